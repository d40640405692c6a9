package dev.lustrecsi.lustre.mount;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Transient;

/**
 * The few C library calls the mounter needs and jnr-posix lacks: mount(2), umount2(2), statfs(2).
 * Public so other modules' tests can reach the kernel the same way; product code goes through
 * {@link Mounter}.
 */
public interface LibC {
    long MS_RDONLY = 1L;
    long MS_NOSUID = 2L;
    long MS_NODEV = 4L;
    long MS_NOEXEC = 8L;
    long MS_REMOUNT = 32L;
    long MS_BIND = 4096L;
    long MS_REC = 16384L;

    int MNT_FORCE = 1;
    int MNT_DETACH = 2;

    int EPERM = 1;
    int ENOENT = 2;
    int EBUSY = 16;
    int EINVAL = 22;

    @SaveError
    int mount(String source, String target, String fsType, long flags, String data);

    @SaveError
    int umount2(String target, int flags);

    @SaveError
    int statfs(String path, @Out @Transient StatFs buf);

    String strerror(int errno);

    /** struct statfs of 64-bit Linux (x86_64 and aarch64 share this layout). */
    final class StatFs extends Struct {
        public final SignedLong type = new SignedLong();
        public final SignedLong blockSize = new SignedLong();
        public final Unsigned64 blocks = new Unsigned64();
        public final Unsigned64 blocksFree = new Unsigned64();
        public final Unsigned64 blocksAvailable = new Unsigned64();
        public final Unsigned64 files = new Unsigned64();
        public final Unsigned64 filesFree = new Unsigned64();
        public final Signed32 fsid0 = new Signed32();
        public final Signed32 fsid1 = new Signed32();
        public final SignedLong nameLength = new SignedLong();
        public final SignedLong fragmentSize = new SignedLong();
        public final SignedLong flags = new SignedLong();
        public final SignedLong spare0 = new SignedLong();
        public final SignedLong spare1 = new SignedLong();
        public final SignedLong spare2 = new SignedLong();
        public final SignedLong spare3 = new SignedLong();

        public StatFs(Runtime runtime) {
            super(runtime);
        }
    }

    /** Loads the process's C library. */
    static LibC load() {
        return Holder.INSTANCE;
    }

    /** errno of the last failed call made through {@link #load()} on this thread. */
    static int lastErrno() {
        return Runtime.getRuntime(Holder.INSTANCE).getLastError();
    }

    /** Lazy, so merely loading classes of this package never needs the native library. */
    final class Holder {
        static final LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

        private Holder() {}
    }
}
