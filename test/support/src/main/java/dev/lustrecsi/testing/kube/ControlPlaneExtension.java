package dev.lustrecsi.testing.kube;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one {@link ControlPlane} per test JVM, the first time a test class asks for it, and closes it when
 * the JVM's tests are done (it lives in the root context's store, which closes what it holds). Tests get it
 * as a parameter ({@code ControlPlane cp}) or from {@link #controlPlane(ExtensionContext)}. Where the binaries
 * are absent the tests are skipped, with {@link ControlPlane#unavailableReason()} as the reason; a control
 * plane whose binaries are there but that does not start fails the tests.
 */
public final class ControlPlaneExtension implements BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ControlPlaneExtension.class);

    /** Per test rather than per class, so that each skipped test is counted and says why. */
    @Override
    public void beforeEach(ExtensionContext context) {
        controlPlane(context);
    }

    /** The JVM's control plane, started on first use; skips the calling test where it cannot run. */
    public static ControlPlane controlPlane(ExtensionContext context) {
        Optional<String> reason = ControlPlane.unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), reason::get);
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        ControlPlane.class,
                        k -> {
                            ControlPlane cp = ControlPlane.start();
                            // Test logs say which API server the tests ran on, and what starting it cost.
                            System.out.printf(
                                    "real control plane (%s) ready at %s in %d ms%n",
                                    ControlPlane.assets(),
                                    cp.serverUrl(),
                                    cp.startupTime().toMillis());
                            return cp;
                        },
                        ControlPlane.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return controlPlane(extensionContext);
    }
}
