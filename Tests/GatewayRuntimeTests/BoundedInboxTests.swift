import Foundation
import Testing
@testable import GatewayRuntime

@Suite struct BoundedInboxTests {
    @Test func aFullInboxMakesTheProducerWaitAndNothingIsDropped() async {
        let inbox = BoundedInbox<Int>(capacity: 4)
        let total = 2000
        let producer = Thread {
            for value in 0..<total { inbox.put(value) }
            inbox.finish()
        }
        producer.start()
        var received: [Int] = []
        while let batch = await inbox.takeBatch(max: 3) {
            received += batch
            if received.count % 100 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(received == Array(0..<total))
        #expect(inbox.stalls > 0)
    }

    @Test func finishWakesAWaitingConsumer() async {
        let inbox = BoundedInbox<Int>(capacity: 4)
        async let batch = inbox.takeBatch(max: 10)
        try? await Task.sleep(for: .milliseconds(50))
        inbox.finish()
        #expect(await batch == nil)
    }

    @Test func elementsPutBeforeFinishAreStillDelivered() async {
        let inbox = BoundedInbox<Int>(capacity: 8)
        for value in 0..<5 { inbox.put(value) }
        inbox.finish()
        #expect(await inbox.takeBatch(max: 10) == [0, 1, 2, 3, 4])
        #expect(await inbox.takeBatch(max: 10) == nil)
    }
}
