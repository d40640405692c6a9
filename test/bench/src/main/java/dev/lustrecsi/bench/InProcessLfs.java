package dev.lustrecsi.bench;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark only, never in a product or a test of behaviour: answers the controller's {@code lfs} command lines
 * (the same argument lists LfsCommands builds, counted) in this JVM, and runs everything else (mount) for real
 * through the given runner. CreateDeleteBench runs a second set of rounds with it, labelled as such, so the
 * driver's own cost per create (API server, records, locks, directories) shows apart from the stand-in lfs's (a
 * bash process per command, 10-100 ms of CPU on this machine; real lfs is one ioctl/quotactl per command).
 *
 * <p>What it keeps is only what the controller reads back: the project id given to each directory (for
 * {@code quota -q -p}: a directory that still exists with the id counts as one file in use) and nothing else;
 * the output line is the 2.17 {@code lfs quota -q} line the stand-in prints (lustre/utils/lfs.c print_quota).
 */
final class InProcessLfs implements CommandRunner {
    private final CommandRunner others;
    private final String lfs;
    private final Map<Long, Set<String>> directoriesByProject = new ConcurrentHashMap<>();
    private final AtomicLong commands = new AtomicLong();

    InProcessLfs(CommandRunner others, String lfs) {
        this.others = others;
        this.lfs = lfs;
    }

    /** How many lfs command lines it answered. */
    long commands() {
        return commands.get();
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout) {
        if (argv.isEmpty() || !argv.get(0).equals(lfs)) {
            return others.run(argv, timeout);
        }
        commands.incrementAndGet();
        String sub = argv.size() > 1 ? argv.get(1) : "";
        String last = argv.get(argv.size() - 1);
        switch (sub) {
            case "project" -> {
                int p = argv.indexOf("-p");
                if (p > 0) {
                    directoriesByProject
                            .computeIfAbsent(Long.parseLong(argv.get(p + 1)), k -> ConcurrentHashMap.newKeySet())
                            .add(last);
                } else if (argv.contains("-C")) {
                    directoriesByProject.values().forEach(s -> s.remove(last));
                }
                return ok(argv, "");
            }
            case "setquota", "setstripe" -> {
                return ok(argv, "");
            }
            case "quota" -> {
                long id = Long.parseLong(argv.get(argv.indexOf("-p") + 1));
                long files = directoriesByProject.getOrDefault(id, Set.of()).stream()
                        .filter(d -> Files.isDirectory(Path.of(d)))
                        .count();
                return ok(
                        argv,
                        String.format("%15s %7s %7s %7s %7s %7s %7s %7s %7s %n", last, 0, 0, 0, "-", files, 0, 0, "-"));
            }
            default -> {
                return new CommandResult(argv, 22, "", "lfs: unsupported in the benchmark's in-process lfs", false);
            }
        }
    }

    private static CommandResult ok(List<String> argv, String stdout) {
        return new CommandResult(argv, 0, stdout, "", false);
    }
}
