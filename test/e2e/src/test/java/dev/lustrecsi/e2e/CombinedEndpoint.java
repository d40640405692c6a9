package dev.lustrecsi.e2e;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One Unix socket in front of the two plugin processes, as csi-sanity needs: it runs its Node specs only when
 * {@code --csi.endpoint} answers Identity with CONTROLLER_SERVICE, and it calls Node and Controller RPCs on that
 * one endpoint. In a cluster the two services never share a socket (the controller Deployment and the node
 * DaemonSet are different pods), so instead of changing the product we route here, by gRPC service name:
 * {@code csi.v1.Node} to the node plugin, everything else (Identity, Controller) to the controller. Messages are
 * forwarded as opaque bytes, with the caller's deadline; the answer and its status come back unchanged.
 */
final class CombinedEndpoint implements AutoCloseable {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Server server;
    private final EventLoopGroup group;

    CombinedEndpoint(Path socket, ManagedChannel controller, ManagedChannel node) {
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        HandlerRegistry routes = new HandlerRegistry() {
            @Override
            public ServerMethodDefinition<?, ?> lookupMethod(String fullMethodName, String authority) {
                String service = MethodDescriptor.extractFullServiceName(fullMethodName);
                ManagedChannel target = "csi.v1.Node".equals(service) ? node : controller;
                MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(fullMethodName)
                        .setRequestMarshaller(BYTES)
                        .setResponseMarshaller(BYTES)
                        .build();
                ServerCallHandler<byte[], byte[]> forward = ServerCalls.asyncUnaryCall((request, response) -> {
                    Deadline deadline = Context.current().getDeadline();
                    CallOptions options =
                            deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
                    ClientCalls.asyncUnaryCall(target.newCall(method, options), request, response);
                });
                return ServerMethodDefinition.create(method, forward);
            }
        };
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .fallbackHandlerRegistry(routes)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            group.shutdownGracefully();
            throw new UncheckedIOException("cannot serve on " + socket, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
