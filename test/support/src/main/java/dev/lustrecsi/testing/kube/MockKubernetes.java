package dev.lustrecsi.testing.kube;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * fabric8's mock API server in CRUD mode (expectations a test adds with {@code server.expect()} answered first), one
 * per test method, for fast unit tests; tests of what a real API server
 * accepts use {@link RealControlPlane}. The extension sets the test instance's {@code KubernetesClient} and
 * {@code KubernetesMockServer} fields, like fabric8's {@code @EnableKubernetesMockClient(crud = true)}, and differs
 * in teardown: it closes the client first, and a mock server that does not stop within its own 10 s bound (seen
 * on loaded CI machines, after every assertion of the test passed) is reported instead of failing the test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(MockKubernetesExtension.class)
public @interface MockKubernetes {}
