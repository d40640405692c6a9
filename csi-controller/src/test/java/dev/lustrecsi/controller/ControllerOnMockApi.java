package dev.lustrecsi.controller;

import dev.lustrecsi.testing.kube.MockKubernetes;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link ControllerFixture} for every test on a fresh mock API server ({@link MockKubernetes}): the extension sets
 * the test's {@code ControllerFixture} field (after its {@code KubernetesClient} field) before each
 * {@code @BeforeEach} method runs, with its pool mounts in a directory of its own, and closes it after the test.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@MockKubernetes
@ExtendWith(ControllerFixtureExtension.class)
@interface ControllerOnMockApi {
    /** How long CreateVolume waits for a new filesystem to be Ready before answering UNAVAILABLE. */
    long readyWaitMillis();

    /** Whether the tests mount pools (then they are skipped outside a private mount namespace). */
    boolean mounts();
}
