package dev.lustrecsi.csi.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI gRPC server: Netty epoll on a Unix domain socket, as kubelet and the CSI sidecars
 * expect. Adds gRPC health and reflection, one log line per call and INTERNAL for uncaught
 * exceptions to every service.
 */
public final class CsiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CsiServer.class);

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Endpoint endpoint;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final HealthStatusManager health = new HealthStatusManager();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private CsiServer(
            Endpoint endpoint, List<BindableService> services, int workerThreads, PrometheusRegistry registry) {
        this.endpoint = endpoint;
        this.boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(workerThreads, EpollIoHandler.newFactory());
        AtomicInteger n = new AtomicInteger();
        // Mount and lfs calls block; they run on their own pool, never on the event loop.
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "csi-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                        new DomainSocketAddress(endpoint.socketPath().toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                // grpc-netty sets TCP keepalive on every accepted channel; a Unix socket has none and
                // Netty warns per connection. A null value removes the option from the bootstrap.
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance());
        CallMetricsInterceptor metrics = new CallMetricsInterceptor(registry);
        for (BindableService service : services) {
            // Interceptors run last-added first: logging and metrics see the status the exception mapper produced.
            builder.addService(ServerInterceptors.intercept(
                    service, new UncaughtExceptionInterceptor(), new CallLoggingInterceptor(), metrics));
        }
        this.server = builder.build();
    }

    /**
     * Binds the socket (removing a stale one left by a previous process), makes it mode 0660 and
     * starts serving.
     */
    public static CsiServer start(Endpoint endpoint, List<BindableService> services) {
        return start(endpoint, services, new PrometheusRegistry());
    }

    /** As {@link #start(Endpoint, List)}, recording call metrics in the given registry. */
    public static CsiServer start(Endpoint endpoint, List<BindableService> services, PrometheusRegistry registry) {
        Path socket = endpoint.socketPath();
        try {
            Files.createDirectories(socket.getParent());
            if (isSocket(socket)) {
                LOG.info("removing stale socket {}", socket);
                Files.delete(socket);
            } else if (Files.exists(socket)) {
                throw new IllegalStateException(socket + " exists and is not a socket; refusing to remove it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + socket, e);
        }
        CsiServer csi = new CsiServer(
                endpoint, services, Math.max(2, Runtime.getRuntime().availableProcessors()), registry);
        try {
            csi.server.start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            csi.shutdownGroups();
            throw new UncheckedIOException("cannot serve on " + endpoint.uri(), e);
        }
        csi.health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        LOG.info("serving CSI on {}", endpoint.uri());
        return csi;
    }

    private static boolean isSocket(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFSOCK;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Stops taking new calls, lets in-flight calls finish within the grace period, then removes the
     * socket. Idempotent.
     */
    public void stop(Duration grace) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("in-flight calls did not finish within {}; cancelling them", grace);
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        shutdownGroups();
        try {
            Files.deleteIfExists(endpoint.socketPath());
        } catch (IOException e) {
            LOG.warn("cannot remove socket {}: {}", endpoint.socketPath(), e.getMessage());
        }
        LOG.info("stopped serving on {}", endpoint.uri());
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    private void shutdownGroups() {
        executor.shutdown();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
