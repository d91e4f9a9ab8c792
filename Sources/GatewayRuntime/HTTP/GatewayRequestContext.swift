import Hummingbird
import NIOCore

/// The request context of the gateway's API: Hummingbird's basic context plus the peer's address, so that
/// failed authentication can be limited per source.
struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
