package dev.lustrecsi.csi.server;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;

/**
 * gRPC client channels to a CSI Unix socket ({@code unix:///abs/path.sock}).
 *
 * <p>grpc-netty 1.85 sets {@code SO_KEEPALIVE} on every client channel
 * ({@code NettyClientTransport.start}); a Unix domain socket has no TCP keepalive, so Netty logs
 * "Unknown channel option 'SO_KEEPALIVE'" at WARN on every connection. Removing the option (a null
 * value removes it from the Netty bootstrap) is the cause fixed, not the warning hidden.
 */
public final class UnixChannels {
    private UnixChannels() {}

    /** A plaintext channel to {@code target}, e.g. {@code unix:///csi/csi.sock}. */
    public static ManagedChannel open(String target) {
        ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create());
        if (builder instanceof NettyChannelBuilder netty) {
            netty.withOption(ChannelOption.SO_KEEPALIVE, null);
        }
        return builder.build();
    }
}
