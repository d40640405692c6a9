package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.testing.kube.ControlPlaneExtension;
import dev.lustrecsi.testing.kube.RealControlPlane;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Gives tests a {@link Factory} of {@link OperatorHarness}es on the test class's cluster: fabric8's mock API
 * server, or the JVM's real control plane where the class is annotated {@link RealControlPlane}. One test class
 * thus specifies the behaviour on both; its real-control-plane subclass only adds the annotation.
 */
public final class HarnessExtension implements ParameterResolver {
    /** Opens a harness for a filesystem of the given name; the test closes it. */
    @FunctionalInterface
    public interface Factory {
        OperatorHarness open(String fsName);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Factory.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (AnnotationSupport.isAnnotated(context.getRequiredTestClass(), RealControlPlane.class)) {
            var plane = ControlPlaneExtension.controlPlane(context);
            return (Factory) fsName -> OperatorHarness.onRealControlPlane(fsName, plane);
        }
        return (Factory) OperatorHarness::new;
    }
}
