package dev.lustrecsi.controller;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * Picks a Lustre project id for a new volume on a pool: the lowest id in the configured range that no volume
 * record of the pool holds and no directory on the pool carries. Both inputs are durable (records are Kubernetes
 * objects, project ids live on the inodes); {@link VolumeRecords} makes the choice unique among concurrent creates
 * and replicas. There is deliberately no counter.
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
     * @param inRecords ids recorded for the pool's volumes (including ones being deleted)
     * @param onDisk   ids found on the pool's top-level directories ({@code lfs project}); may be empty when the
     *                 pool is not mounted yet
     * @throws IllegalStateException when the range is used up
     */
    public long allocate(Collection<Long> inRecords, Collection<Long> onDisk) {
        Set<Long> used = new TreeSet<>(inRecords);
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
     * The lowest id from {@code from} on (never below the range) that {@code taken} does not claim, asking it one
     * candidate at a time: the caller answers from its records, which keep a hint where the free ids start, so a
     * create on a pool of 100,000 volumes does not walk them all.
     */
    public long allocate(long from, LongPredicate taken) {
        for (long candidate = Math.max(first, from); candidate <= last; candidate++) {
            if (!taken.test(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free project id left in " + first + ".." + last);
    }

    public long first() {
        return first;
    }

    public boolean inRange(long id) {
        return id >= first && id <= last;
    }
}
