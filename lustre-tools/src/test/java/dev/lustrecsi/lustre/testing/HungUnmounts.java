package dev.lustrecsi.lustre.testing;

import dev.lustrecsi.lustre.mount.LibC;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The kernel side of Lustre servers that are gone for good: a {@link LibC} whose normal and forced umount2 never
 * return (until {@link #release()}, at most a minute), while a lazy detach and every other call go to the real
 * libc. It records the kind of each umount2 ("normal", "force", "lazy").
 */
public final class HungUnmounts {
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<String> umounts = new CopyOnWriteArrayList<>();
    private final LibC libc;

    public HungUnmounts() {
        LibC real = LibC.load();
        libc = (LibC) Proxy.newProxyInstance(
                LibC.class.getClassLoader(), new Class<?>[] {LibC.class}, (proxy, method, args) -> {
                    if (method.getName().equals("umount2")) {
                        int flags = (Integer) args[1];
                        umounts.add(kind(flags));
                        if ((flags & LibC.MNT_DETACH) == 0) {
                            released.await(1, TimeUnit.MINUTES);
                            return -1;
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static String kind(int flags) {
        return switch (flags) {
            case 0 -> "normal";
            case LibC.MNT_FORCE -> "force";
            case LibC.MNT_DETACH -> "lazy";
            default -> "flags " + flags;
        };
    }

    public LibC libc() {
        return libc;
    }

    /** The umount2 calls so far, by kind, in order. */
    public List<String> umounts() {
        return List.copyOf(umounts);
    }

    /** Lets the stuck calls return (failed), so no thread is left waiting. */
    public void release() {
        released.countDown();
    }
}
