package dev.lustrecsi.controller;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * Picks a Lustre project id for a new volume on a pool: the lowest id in the configured range that no volume
 * in the pool's ledger holds and no directory on the pool carries. Both inputs are durable (the ledger is a
 * Kubernetes object, project ids live on the inodes), and the caller commits the choice with a
 * resourceVersion-checked update of the ledger, so two concurrent creates, two controller replicas or a
 * restarted controller can never hand out the same id twice. There is deliberately no counter in memory.
 */
public final class ProjectIdAllocator {

    /** Ids below this are left to admins (and 0 means "no project"). */
    public static final long DEFAULT_FIRST_ID = 10_000;
    public static final long DEFAULT_LAST_ID = 4_000_000_000L;

    private final long first;
    private final long last;

    public ProjectIdAllocator(long first, long last) {
        if (first < 1 || last < first || last > dev.lustrecsi.lustre.LfsCommands.MAX_PROJECT_ID) {
            throw new IllegalArgumentException("invalid project id range " + first + ".." + last);
        }
        this.first = first;
        this.last = last;
    }

    public static ProjectIdAllocator defaults() {
        return new ProjectIdAllocator(DEFAULT_FIRST_ID, DEFAULT_LAST_ID);
    }

    /**
     * @param inLedger ids recorded for the pool's volumes (including ones being deleted)
     * @param onDisk   ids found on the pool's top-level directories ({@code lfs project}); may be empty when the
     *                 pool is not mounted yet
     * @throws IllegalStateException when the range is used up
     */
    public long allocate(Collection<Long> inLedger, Collection<Long> onDisk) {
        Set<Long> used = new TreeSet<>(inLedger);
        used.addAll(onDisk);
        long candidate = first;
        for (long id : used) {
            if (id < candidate) {
                continue;
            }
            if (id > candidate) {
                break;
            }
            candidate++;
        }
        if (candidate > last) {
            throw new IllegalStateException("no free project id left in " + first + ".." + last);
        }
        return candidate;
    }

    /**
     * As {@link #allocate(Collection, Collection)}, but asks about the disk one candidate at a time, lowest first,
     * and only about ids the ledger leaves free: one cheap question per create ({@code lfs quota -p}) instead of
     * listing every directory of the pool, which grows with the number of volumes.
     *
     * @param usedOnDisk whether anything on the pool carries the id
     */
    public long allocate(Collection<Long> inLedger, LongPredicate usedOnDisk) {
        Set<Long> used = new TreeSet<>(inLedger);
        for (long candidate = first; candidate <= last; candidate++) {
            if (!used.contains(candidate) && !usedOnDisk.test(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free project id left in " + first + ".." + last);
    }

    public boolean inRange(long id) {
        return id >= first && id <= last;
    }
}
