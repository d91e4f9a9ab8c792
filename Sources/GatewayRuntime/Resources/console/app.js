// The alarm console: plain script over the gateway's JSON API and its alert stream (Server-Sent Events).
// Signed in by a session cookie (HttpOnly: this script never sees it); every change is sent with the
// X-Gatewayd-Console header the API asks of cookie requests.
"use strict";

const SEVERITY = { critical: ["紧急", 4], major: ["重要", 3], warning: ["一般", 2], info: ["提示", 1] };
const LEVEL = { grid: "网格", community: "社区", street: "街道" };
const STATE = { open: "未确认", acknowledged: "已确认", resolved: "已处置" };
const KIND = { opened: "触发", updated: "再次触发", escalated: "升级", notified: "通知", acknowledged: "确认", resolved: "处置结案",
  reminded: "提醒" };
const DELIVERY_STATE = { pending: "待发送", delivered: "已送达", dead: "发送失败", expired: "已过期", rate_limited: "限流未发",
  held: "免打扰暂缓", digested: "已合并发送", leased: "发送中" };
const DELIVERY_KIND = { "workorder.create": "派发工单", "workorder.escalate": "工单升级", "workorder.supervise": "督办",
  "message.alert": "报警通知", "message.escalated": "升级通知", "message.resolved": "结案通知", "message.duty": "值班通知" };
const ORDER_STATUS = { created: "已派发", pending: "待受理", accepted: "已受理", dispatched: "已派遣", in_progress: "处置中",
  closed: "已办结", cancelled: "已撤销" };
const CATEGORY = { genuine: "真实警情", false_alarm: "误报", device_fault: "设备故障", test: "测试" };
const FAMILY = { elderly_care: "养老看护", public_safety: "公共安全", access_control: "门禁" };

const $ = (id) => document.getElementById(id);
const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const state = {
  me: null,
  alerts: new Map(),          // alert id → ConsoleAlert ({alert, community_name, resident_name})
  lastEventId: null,
  selected: null,
  source: null,
  reopenTimer: null,
  mutedUntil: 0,
  devices: [],
  tab: null,
  renderQueued: false,
};
window.gatewayConsole = state; // for the browser test and the first-paint benchmark

// ---- API -------------------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { "X-Gatewayd-Console": "1" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path !== "/api/v1/session") { signedOut(); }
  let data = null;
  const text = await response.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (!response.ok) {
    const error = new Error((data && data.error && data.error.message) || ("HTTP " + response.status));
    error.status = response.status;
    throw error;
  }
  return data;
}

// ---- sign-in ---------------------------------------------------------------------------------------

async function start() {
  bind();
  try {
    state.me = await api("GET", "/api/v1/session");
    signedIn();
  } catch {
    show("signin");
  }
}

function show(view) {
  document.body.dataset.view = view;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== view + "-view";
  $("bar").hidden = view === "signin";
  $("keys").hidden = view === "signin";
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").hidden = true;
  unlockAudio();
  try {
    state.me = await api("POST", "/api/v1/session", { token: $("token").value });
    $("token").value = "";
    signedIn();
  } catch (error) {
    $("signin-error").textContent = error.status === 401 ? "令牌无效，请重试" : error.status === 403 ? "该令牌无权使用值班台" : "登录失败：" + error.message;
    $("signin-error").hidden = false;
  }
}

function signedIn() {
  const role = state.me.role;
  $("who").textContent = `${state.me.id}（${{ operator: "值班员", installer: "安装员", admin: "管理员" }[role] || role}）`;
  for (const tab of document.querySelectorAll("#tabs button")) tab.hidden = !tab.dataset.roles.split(" ").includes(role);
  if (role === "operator" || role === "admin") openStream();
  loadDevices();
  selectTab(role === "installer" ? "install" : "alerts");
}

function signedOut() {
  closeStream();
  state.me = null;
  state.alerts.clear();
  state.lastEventId = null;
  state.selected = null;
  ring(false);
  show("signin");
}

async function signOut() {
  try { await api("DELETE", "/api/v1/session"); } catch { /* signed out either way */ }
  signedOut();
}

function selectTab(tab) {
  state.tab = tab;
  show(tab);
  for (const button of document.querySelectorAll("#tabs button")) button.setAttribute("aria-selected", String(button.dataset.tab === tab));
  if (tab === "status" || tab === "buildings" || tab === "install") loadDevices(true);
  if (tab === "report") prepareReport();
  render();
}

// ---- the governance report (治理月报) ------------------------------------------------------------------

/// The month before this one, and the communities known from the devices, the first time the tab opens.
async function prepareReport() {
  if (!$("report-month").value) {
    const now = new Date();
    const previous = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    $("report-month").value = `${previous.getFullYear()}-${String(previous.getMonth() + 1).padStart(2, "0")}`;
  }
  await loadDevices();
  const scope = $("report-scope");
  const known = new Set([...scope.options].map((option) => option.value));
  for (const device of state.devices) {
    if (known.has(device.community)) continue;
    known.add(device.community);
    scope.add(new Option(device.community_name || device.community, device.community));
  }
  if (!$("report-frame").getAttribute("src")) showReport();
}

function reportURL(format) {
  const [year, month] = $("report-month").value.split("-").map(Number);
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, "0")}-01`;
  const query = new URLSearchParams({ from: `${year}-${String(month).padStart(2, "0")}-01`, to: next, format });
  if ($("report-scope").value) query.set("community", $("report-scope").value);
  return "/api/v1/reports/kpi?" + query;
}

async function showReport(event) {
  if (event) event.preventDefault();
  if (!$("report-month").value) return;
  $("report-error").hidden = true;
  // Asked once as JSON first, so that a refusal (an empty period, an unknown community) is shown as text.
  const response = await fetch(reportURL("json"), { credentials: "same-origin" });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    $("report-error").textContent = `无法生成月报：${body.message || response.status}`;
    $("report-error").hidden = false;
    return;
  }
  $("report-frame").src = reportURL("html");
  $("report-open").href = reportURL("html");
  $("report-csv").href = reportURL("csv");
  $("report-json").href = reportURL("json");
}

// ---- the alert stream ------------------------------------------------------------------------------

function openStream() {
  closeStream();
  const url = "/api/v1/alerts/stream" + (state.lastEventId !== null ? "?last_event_id=" + encodeURIComponent(state.lastEventId) : "");
  const source = new EventSource(url);
  state.source = source;
  link("reconnecting", "连接中…");
  source.onopen = () => link("live", "实时");
  source.addEventListener("board", (event) => {
    if (!performance.getEntriesByName("board-received").length) performance.mark("board-received");
    const board = JSON.parse(event.data);
    state.alerts.clear();
    for (const entry of board.alerts) state.alerts.set(entry.alert.id, entry);
    state.lastEventId = event.lastEventId;
    queueRender();
  });
  source.addEventListener("alert", (event) => {
    const change = JSON.parse(event.data);
    const id = change.alert.alert.id;
    if (change.alert.alert.state === "resolved") state.alerts.delete(id); else state.alerts.set(id, change.alert);
    state.lastEventId = event.lastEventId;
    if (state.selected === id) loadTimeline(id);
    queueRender();
  });
  source.onerror = () => {
    link("reconnecting", "重连中…");
    // The browser reconnects by itself (with Last-Event-ID) unless the stream was refused; then we look why.
    if (source.readyState === EventSource.CLOSED) {
      clearTimeout(state.reopenTimer);
      state.reopenTimer = setTimeout(async () => {
        try { await api("GET", "/api/v1/session"); openStream(); } catch (error) {
          if (error.status === 401) signedOut(); else openStream();
        }
      }, 2000);
    }
  };
}

function closeStream() {
  clearTimeout(state.reopenTimer);
  if (state.source) state.source.close();
  state.source = null;
  link("idle", "未连接");
}

function link(status, text) {
  $("link").dataset.state = status;
  $("link").textContent = text;
}

// ---- the board -------------------------------------------------------------------------------------

function sortedAlerts() {
  return [...state.alerts.values()].sort((a, b) => {
    const x = a.alert, y = b.alert;
    const unackedX = x.state === "open" ? 1 : 0, unackedY = y.state === "open" ? 1 : 0;
    return (unackedY - unackedX) || ((SEVERITY[y.severity]?.[1] ?? 0) - (SEVERITY[x.severity]?.[1] ?? 0)) || (y.opened_at - x.opened_at);
  });
}

function where(alert) {
  const l = alert.location || {};
  let code = [l.building, l.unit, l.room].filter(Boolean).join("-");
  if (!l.room && l.zone) code = (code ? code + " " : "") + l.zone;
  const words = (l.building ? l.building + "栋" : "") + (l.unit ? l.unit + "单元" : "") + (l.room ? l.room + "室" : "") + (l.zone ? " " + l.zone : "");
  return { code: code || "—", words: words.trim() };
}

function age(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
  if (seconds < 60) return seconds + " 秒";
  if (seconds < 3600) return Math.floor(seconds / 60) + " 分";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " 时 " + Math.floor((seconds % 3600) / 60) + " 分";
  return Math.floor(seconds / 86400) + " 天";
}

function clock(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function queueRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  requestAnimationFrame(() => { state.renderQueued = false; render(); });
}

function render() {
  const alerts = sortedAlerts();
  const unacked = alerts.filter((e) => e.alert.state === "open").length;
  $("alert-count").textContent = String(unacked);
  $("alert-count").classList.toggle("zero", unacked === 0);
  if (state.tab === "alerts") renderBoard(alerts);
  if (state.tab === "buildings") renderBuildings();
  if (state.tab === "status") renderStatus();
  if (state.tab === "install") renderInstall();
  updateAlarm();
}

function renderBoard(alerts) {
  let html = "";
  for (const entry of alerts) {
    const a = entry.alert;
    const place = where(a);
    const sev = SEVERITY[a.severity] || [a.severity, 0];
    const stateText = a.state === "acknowledged" ? `已确认 · ${esc(a.acknowledged_by)}` : STATE[a.state] || a.state;
    html += `<tr data-id="${esc(a.id)}" tabindex="-1" class="sev-${esc(a.severity)}${a.state === "open" ? " unacked" : ""}${state.selected === a.id ? " selected" : ""}">`
      + `<td><span class="sev ${esc(a.severity)}">${esc(sev[0])}</span></td>`
      + `<td title="${esc(a.title)}">${esc(a.title)}${a.count > 1 ? ` ×${a.count}` : ""}</td>`
      + `<td title="${esc((entry.community_name || a.community) + " " + place.words)}"><span class="room">${esc(place.code)}</span> ${esc(entry.community_name || a.community)}</td>`
      + `<td>${esc(entry.resident_name || "—")}</td>`
      + `<td title="${esc(a.device)}">${esc(a.device)}</td>`
      + `<td class="age" data-since="${a.opened_at}">${age(a.opened_at)}</td>`
      + `<td>${esc(LEVEL[a.escalation_level] || a.escalation_level)}</td>`
      + `<td class="state-${esc(a.state)}" title="${esc(a.state === "acknowledged" ? "已由 " + a.acknowledged_by + " 确认" : "")}">${stateText}</td></tr>`;
  }
  $("board-rows").innerHTML = html;
  $("board-empty").hidden = alerts.length > 0;
  if (alerts.length && !performance.getEntriesByName("board-painted").length && !state.paintMarked) {
    // The frame after this render has been painted once the next task runs (the first-paint benchmark).
    state.paintMarked = true;
    requestAnimationFrame(() => setTimeout(() => performance.mark("board-painted"), 0));
  }
  if (state.selected && !state.alerts.has(state.selected)) closeDetail();
  else if (state.selected) renderDetailHead();
}

// ---- the alarm tone --------------------------------------------------------------------------------

let audio = null;
let toneTimer = null;

function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch { audio = null; }
}

function beep() {
  if (!audio) return;
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = 880;
  gain.gain.setValueAtTime(0.08, audio.currentTime);
  gain.gain.setValueAtTime(0, audio.currentTime + 0.35);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start();
  oscillator.stop(audio.currentTime + 0.4);
}

function ring(on) {
  document.body.dataset.alarm = on ? "ringing" : state.mutedUntil > Date.now() ? "muted" : "quiet";
  $("ringing").hidden = !on && !(state.mutedUntil > Date.now() && hasUnackedCritical());
  $("mute").hidden = !hasUnackedCritical();
  $("mute").textContent = state.mutedUntil > Date.now() ? "已静音" : "静音 1 分钟";
  if (on && !toneTimer) { beep(); toneTimer = setInterval(beep, 1000); }
  if (!on && toneTimer) { clearInterval(toneTimer); toneTimer = null; }
}

function hasUnackedCritical() {
  for (const entry of state.alerts.values()) if (entry.alert.severity === "critical" && entry.alert.state === "open") return true;
  return false;
}

function updateAlarm() {
  ring(state.me !== null && hasUnackedCritical() && state.mutedUntil <= Date.now());
}

function mute() {
  state.mutedUntil = Date.now() + 60_000;
  updateAlarm();
  setTimeout(updateAlarm, 60_500);
}

// ---- acting on an alert ----------------------------------------------------------------------------

function select(id, open) {
  state.selected = id;
  for (const row of document.querySelectorAll("#board-rows tr")) row.classList.toggle("selected", row.dataset.id === id);
  const row = document.querySelector(`#board-rows tr[data-id="${CSS.escape(id)}"]`);
  if (row) { row.focus({ preventScroll: true }); row.scrollIntoView({ block: "nearest" }); }
  if (open) openDetail(id);
}

function openDetail(id) {
  state.selected = id;
  $("detail").hidden = false;
  $("resolve").hidden = true;
  $("action-error").hidden = true;
  renderDetailHead();
  loadTimeline(id);
}

function renderDetailHead() {
  const entry = state.alerts.get(state.selected);
  if (!entry) return;
  const a = entry.alert;
  const place = where(a);
  $("detail-title").textContent = `${SEVERITY[a.severity]?.[0] ?? ""} ${a.title}`;
  $("detail-where").textContent = `${entry.community_name || a.community} ${place.code} ${place.words}${entry.resident_name ? " · 住户 " + entry.resident_name : ""} · 设备 ${a.device}`;
  $("ack").disabled = a.state !== "open";
  $("ack").textContent = a.state === "open" ? "确认报警" : `已由 ${a.acknowledged_by} 确认`;
}

function closeDetail() {
  state.selected = null;
  $("detail").hidden = true;
  for (const row of document.querySelectorAll("#board-rows tr.selected")) row.classList.remove("selected");
}

async function loadTimeline(id) {
  let timeline;
  try { timeline = await api("GET", `/api/v1/alerts/${encodeURIComponent(id)}/timeline`); } catch { return; }
  if (state.selected !== id) return;
  $("timeline").innerHTML = timeline.transitions.map((t) =>
    `<li><time>${clock(t.at)}</time><b>${esc(KIND[t.kind] || t.kind)}</b> ${esc(t.actor === "system" ? "" : t.actor)} <span>${esc(t.reason)}</span> <span class="tag">${esc(LEVEL[t.escalation_level] || t.escalation_level)}</span></li>`).join("");
  const order = timeline.work_order;
  $("workorder").innerHTML = order
    ? `<p><span class="tag ${order.status === "closed" ? "good" : ""}">${esc(ORDER_STATUS[order.status] || order.status)}</span>${esc(order.category)}`
      + `${order.external_ref ? " · 编号 " + esc(order.external_ref) : ""} · 期限 ${clock(order.deadline_at)}`
      + `${order.supervisions > 0 ? ` · <span class="tag bad">已督办 ${order.supervisions} 次</span>` : ""}</p>`
      + order.updates.map((u) => `<div><time>${clock(u.at)}</time>${esc(ORDER_STATUS[u.status] || u.status)} ${esc(u.actor)} ${esc(u.note || "")}</div>`).join("")
    : "<p class=\"hint\">未派发工单</p>";
  $("deliveries").innerHTML = timeline.deliveries.length === 0 ? "<tr><td class=\"hint\">暂无通知</td></tr>"
    : timeline.deliveries.map((d) =>
      `<tr><td><time>${clock(d.created_at)}</time></td><td>${esc(DELIVERY_KIND[d.kind] || d.kind)}</td><td>${esc(d.recipient || (d.target === "workorder" ? "网格工单系统" : ""))}</td>`
      + `<td><span class="tag ${d.state === "delivered" ? "good" : d.state === "dead" || d.state === "expired" ? "bad" : ""}">${esc(DELIVERY_STATE[d.state] || d.state)}</span></td></tr>`).join("");
  $("snapshot").hidden = !timeline.snapshot;
  if (timeline.snapshot) loadSnapshot(id);
}

async function loadSnapshot(id) {
  const response = await fetch(`/api/v1/alerts/${encodeURIComponent(id)}/snapshot`, { credentials: "same-origin" });
  if (response.status !== 200 || state.selected !== id) return;
  const old = $("snapshot-img").src;
  $("snapshot-img").src = URL.createObjectURL(await response.blob());
  if (old.startsWith("blob:")) URL.revokeObjectURL(old);
}

async function acknowledge(id) {
  const entry = state.alerts.get(id);
  if (!entry || entry.alert.state !== "open") return;
  unlockAudio();
  try {
    const payload = await api("POST", `/api/v1/alerts/${encodeURIComponent(id)}/ack`, {});
    // The stream brings the change too; show it now.
    state.alerts.set(id, { ...entry, alert: payload });
    queueRender();
  } catch (error) { actionError(error); }
}

async function resolve(event) {
  event.preventDefault();
  const id = state.selected;
  if (!id) return;
  const category = $("category").value, note = $("note").value.trim();
  if (!category || !note) { actionError(new Error("请选择处置结果并填写说明")); return; }
  try {
    await api("POST", `/api/v1/alerts/${encodeURIComponent(id)}/resolve`, { note, category });
    $("note").value = "";
    $("category").value = "";
    state.alerts.delete(id);
    closeDetail();
    queueRender();
  } catch (error) { actionError(error); }
}

function actionError(error) {
  $("action-error").textContent = "操作失败：" + error.message;
  $("action-error").hidden = false;
}

// ---- devices: status board, buildings, commissioning -----------------------------------------------

let devicesLoadedAt = 0;
async function loadDevices(force) {
  if (!force && Date.now() - devicesLoadedAt < 5000) return;
  devicesLoadedAt = Date.now();
  const all = [];
  try {
    for (let offset = 0; ; offset += 200) {
      const page = await api("GET", `/api/v1/devices?limit=200&offset=${offset}`);
      all.push(...page.items);
      if (all.length >= page.total || page.items.length === 0) break;
    }
  } catch { return; }
  state.devices = all;
  render();
}

function deviceFlags(device) {
  const flags = [];
  if (device.maintenance_until && device.maintenance_until > Date.now()) flags.push("maint");
  if (!device.online) flags.push("offline");
  if (device.battery_low) flags.push("lowbat");
  return flags;
}

function alertsByDevice() {
  const map = new Map();
  for (const entry of state.alerts.values()) {
    const list = map.get(entry.alert.device) || [];
    list.push(entry.alert);
    map.set(entry.alert.device, list);
  }
  return map;
}

function renderStatus() {
  const devices = state.devices.filter((d) => d.state !== "decommissioned");
  const count = (test) => devices.filter(test).length;
  $("status-summary").innerHTML = [
    ["设备总数", devices.length], ["在线", count((d) => d.online)], ["离线", count((d) => !d.online)],
    ["电量低", count((d) => d.battery_low)], ["维护中", count((d) => d.maintenance_until && d.maintenance_until > Date.now())],
  ].map(([label, value]) => `<div class="stat"><span>${label}</span><b>${value}</b></div>`).join("");
  const byDevice = alertsByDevice();
  const communities = groupBy(devices, (d) => d.community);
  let html = "";
  for (const [community, list] of communities) {
    html += `<div class="community"><h2>${esc(list[0].community_name || community)}（在线 ${list.filter((d) => d.online).length}/${list.length}）</h2>`;
    for (const [family, members] of groupBy(list, (d) => d.family)) {
      html += `<div class="family"><h3>${esc(FAMILY[family] || family)}</h3><div class="chips">`;
      for (const d of members) {
        const flags = deviceFlags(d);
        if (byDevice.has(d.id)) flags.push("alert");
        const place = where(d);
        html += `<span class="chip ${flags.join(" ")}" title="${esc(d.type)} · 最后上报 ${d.last_seen_at ? clock(d.last_seen_at) : "从未"}">`
          + `${esc(d.id)} · ${esc(place.code)} · ${d.online ? "在线" : "离线"}${flags.includes("lowbat") ? " · 电量低" : ""}${flags.includes("maint") ? " · 维护中" : ""}`
          + ` · ${d.last_seen_at ? age(d.last_seen_at) + "前" : "从未上报"}</span>`;
      }
      html += "</div></div>";
    }
    html += "</div>";
  }
  $("status-families").innerHTML = html || "<p class=\"empty\">没有设备</p>";
}

function renderBuildings() {
  const byDevice = alertsByDevice();
  const rooms = new Map(); // community|building → unit → room → {devices, alerts}
  const zones = new Map();
  const add = (community, location, device, alerts) => {
    if (!location.building) return;
    const key = community + "|" + location.building;
    if (!location.room) {
      if (device) { const list = zones.get(key) || []; list.push({ device, alerts }); zones.set(key, list); }
      if (!rooms.has(key)) rooms.set(key, new Map());
      return;
    }
    const units = rooms.get(key) || new Map();
    rooms.set(key, units);
    const unit = units.get(location.unit || "") || new Map();
    units.set(location.unit || "", unit);
    const cell = unit.get(location.room) || { devices: [], alerts: [] };
    unit.set(location.room, cell);
    if (device) cell.devices.push(device);
    cell.alerts.push(...alerts);
  };
  for (const d of state.devices) if (d.state !== "decommissioned") add(d.community, d.location || {}, d, byDevice.get(d.id) || []);
  const known = new Set(state.devices.map((d) => d.id));
  for (const entry of state.alerts.values()) if (!known.has(entry.alert.device)) add(entry.alert.community, entry.alert.location || {}, null, [entry.alert]);
  const communityNames = new Map(state.devices.map((d) => [d.community, d.community_name]));
  for (const entry of state.alerts.values()) if (entry.community_name) communityNames.set(entry.alert.community, entry.community_name);
  let html = "<div class=\"buildings\">";
  for (const key of [...rooms.keys()].sort(natural)) {
    const [community, building] = key.split("|");
    html += `<div class="building"><h3>${esc(communityNames.get(community) || community)} · ${esc(building)} 栋</h3>`;
    const units = rooms.get(key);
    for (const unit of [...units.keys()].sort(natural)) {
      html += `<div class="unit"><span>${unit ? esc(unit) + " 单元" : "—"}</span>`;
      for (const [room, cell] of [...units.get(unit).entries()].sort((a, b) => natural(a[0], b[0]))) {
        const flags = new Set(cell.devices.flatMap(deviceFlags));
        const cls = cell.alerts.length ? "alert" : flags.has("offline") ? "offline" : flags.has("lowbat") ? "lowbat" : flags.has("maint") ? "maint" : "";
        const code = [building, unit, room].filter(Boolean).join("-");
        html += `<div class="cell ${cls}" data-room="${esc(code)}" title="${esc(code)}">${esc(room)}${cell.alerts.length ? `<small>${esc(cell.alerts[0].title)}</small>` : ""}</div>`;
      }
      html += "</div>";
    }
    const zoneList = zones.get(key) || [];
    if (zoneList.length) {
      html += "<div class=\"zones chips\">" + zoneList.map(({ device, alerts }) =>
        `<span class="chip ${alerts.length ? "alert" : deviceFlags(device).join(" ")}">${esc(device.location.zone || device.id)}${alerts.length ? " · " + esc(alerts[0].title) : ""}</span>`).join("") + "</div>";
    }
    html += "</div>";
  }
  $("buildings").innerHTML = html + "</div>";
}

function renderInstall() {
  const filter = $("install-filter").value;
  const STATE_TEXT = { registered: "已登记（待调试）", commissioned: "已启用", decommissioned: "已停用" };
  $("install-rows").innerHTML = state.devices.filter((d) => !filter || d.state === filter).map((d) => {
    const inMaintenance = d.maintenance_until && d.maintenance_until > Date.now();
    return `<tr><td>${esc(d.id)}</td><td>${esc(d.type)}</td><td>${esc(d.community_name || d.community)}</td><td>${esc(where(d).code)}</td>`
      + `<td>${esc(d.vendor)} / ${esc(d.model)} / ${esc(d.serial)}</td><td>${esc(d.installer)}</td><td>${esc(STATE_TEXT[d.state] || d.state)}</td>`
      + `<td>${d.online ? "在线" : "离线"}</td><td>${d.last_seen_at ? clock(d.last_seen_at) : "从未"}</td>`
      + `<td>${inMaintenance ? "至 " + clock(d.maintenance_until) : "—"}</td></tr>`;
  }).join("");
}

function groupBy(list, key) {
  const map = new Map();
  for (const item of list) { const k = key(item); if (!map.has(k)) map.set(k, []); map.get(k).push(item); }
  return new Map([...map.entries()].sort((a, b) => natural(a[0], b[0])));
}

function natural(a, b) { return String(a).localeCompare(String(b), "zh-CN", { numeric: true }); }

// ---- keyboard and events ---------------------------------------------------------------------------

function keydown(event) {
  if (!state.me || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (event.key === "Escape") { closeDetail(); return; }
  if (typing) return;
  const key = event.key.toLowerCase();
  if (key === "m") { mute(); return; }
  if (state.tab !== "alerts") return;
  const rows = sortedAlerts();
  const index = rows.findIndex((e) => e.alert.id === state.selected);
  if (key === "arrowdown" || key === "j") { event.preventDefault(); if (rows.length) select(rows[Math.min(rows.length - 1, index + 1)].alert.id, false); }
  else if (key === "arrowup" || key === "k") { event.preventDefault(); if (rows.length) select(rows[Math.max(0, index - 1)].alert.id, false); }
  else if (key === "enter" && state.selected) openDetail(state.selected);
  else if (key === "a") {
    // The selected alert, or else the most urgent one not yet acknowledged.
    const target = state.selected && state.alerts.get(state.selected)?.alert.state === "open" ? state.selected
      : rows.find((e) => e.alert.state === "open")?.alert.id;
    if (target) { select(target, true); acknowledge(target); }
  } else if (key === "r" && state.selected) { event.preventDefault(); openDetail(state.selected); $("resolve").hidden = false; $("category").focus(); }
}

function bind() {
  $("signin").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("mute").addEventListener("click", mute);
  $("detail-close").addEventListener("click", closeDetail);
  $("ack").addEventListener("click", () => state.selected && acknowledge(state.selected));
  $("show-resolve").addEventListener("click", () => { $("resolve").hidden = !$("resolve").hidden; if (!$("resolve").hidden) $("category").focus(); });
  $("resolve").addEventListener("submit", resolve);
  $("install-filter").addEventListener("change", render);
  $("report-form").addEventListener("submit", showReport);
  $("board-rows").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row) select(row.dataset.id, true);
  });
  for (const tab of document.querySelectorAll("#tabs button")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  document.addEventListener("keydown", keydown);
  document.addEventListener("click", unlockAudio);
  setInterval(() => {
    for (const cell of document.querySelectorAll("#board-rows td.age")) cell.textContent = age(Number(cell.dataset.since));
    if (state.tab === "status" || state.tab === "buildings") { loadDevices(); }
    updateAlarm();
  }, 10_000);
}

document.addEventListener("DOMContentLoaded", start);
