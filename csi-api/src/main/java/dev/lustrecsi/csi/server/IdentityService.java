package dev.lustrecsi.csi.server;

import com.google.protobuf.BoolValue;
import dev.lustrecsi.csi.BuildInfo;
import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.GetPluginCapabilitiesRequest;
import dev.lustrecsi.csi.v1.GetPluginCapabilitiesResponse;
import dev.lustrecsi.csi.v1.GetPluginInfoRequest;
import dev.lustrecsi.csi.v1.GetPluginInfoResponse;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.PluginCapability;
import dev.lustrecsi.csi.v1.ProbeRequest;
import dev.lustrecsi.csi.v1.ProbeResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The CSI Identity service, the same in the controller and node plugins but for their readiness checks. */
public final class IdentityService extends IdentityGrpc.IdentityImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);

    private final boolean controllerService;
    private final List<ReadinessCheck> checks;

    /**
     * @param controllerService whether this process also serves the Controller service
     * @param checks the process's real dependencies; Probe is ready only when all pass
     */
    public IdentityService(boolean controllerService, List<ReadinessCheck> checks) {
        this.controllerService = controllerService;
        this.checks = List.copyOf(checks);
    }

    @Override
    public void getPluginInfo(GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
        response.onNext(GetPluginInfoResponse.newBuilder()
                .setName(DriverNames.DRIVER_NAME)
                .setVendorVersion(BuildInfo.version())
                .build());
        response.onCompleted();
    }

    @Override
    public void getPluginCapabilities(
            GetPluginCapabilitiesRequest request, StreamObserver<GetPluginCapabilitiesResponse> response) {
        GetPluginCapabilitiesResponse.Builder caps = GetPluginCapabilitiesResponse.newBuilder();
        if (controllerService) {
            caps.addCapabilities(service(PluginCapability.Service.Type.CONTROLLER_SERVICE));
        }
        // Volumes are reachable only from nodes on the filesystem's LNet network (tcp or o2ib).
        caps.addCapabilities(service(PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS));
        // Lustre quotas and pools grow while mounted: expansion never needs the volume unpublished.
        caps.addCapabilities(PluginCapability.newBuilder()
                .setVolumeExpansion(PluginCapability.VolumeExpansion.newBuilder()
                        .setType(PluginCapability.VolumeExpansion.Type.ONLINE)));
        response.onNext(caps.build());
        response.onCompleted();
    }

    @Override
    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
        List<String> failures = new ArrayList<>();
        for (ReadinessCheck check : checks) {
            ReadinessCheck.Result result;
            try {
                result = check.check();
            } catch (RuntimeException e) {
                result =
                        ReadinessCheck.Result.notReady(check.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
            if (!result.ready()) {
                failures.add(result.detail());
            }
        }
        if (!failures.isEmpty()) {
            // Not an error: the spec lets a plugin that is alive but not yet able to serve answer ready=false.
            LOG.warn("probe: not ready: {}", String.join("; ", failures));
        }
        response.onNext(ProbeResponse.newBuilder()
                .setReady(BoolValue.of(failures.isEmpty()))
                .build());
        response.onCompleted();
    }

    private static PluginCapability service(PluginCapability.Service.Type type) {
        return PluginCapability.newBuilder()
                .setService(PluginCapability.Service.newBuilder().setType(type))
                .build();
    }
}
