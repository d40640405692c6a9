package dev.lustrecsi.provisioner.web;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Quantities;
import dev.lustrecsi.model.ServerStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The operator's read-only status page: every filesystem with its phase, capacity and conditions, its servers
 * (with the KubeVirt VM status), its targets, and the volumes (PVCs) it serves. Plain HTML and CSS, no
 * scripts; it reloads itself every 15 s. Every value is escaped ({@link Html}).
 */
public final class StatusPage {
    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2630}
            header{background:#17324d;color:#fff;padding:14px 24px}
            header h1{margin:0;font-size:20px} header p{margin:4px 0 0;font-size:12px;opacity:.8}
            main{padding:16px 24px}
            section.fs{background:#fff;border:1px solid #d8dee4;border-radius:8px;margin:0 0 18px;padding:12px 16px}
            h2{font-size:17px;margin:4px 0 8px} h3{font-size:13px;margin:12px 0 4px;color:#4a5866;text-transform:uppercase;letter-spacing:.04em}
            table{border-collapse:collapse;width:100%;font-size:13px}
            th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef1f4;vertical-align:top}
            th{color:#4a5866;font-weight:600;background:#f8fafb}
            .badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;background:#e3e8ed;color:#33414e}
            .Ready,.Running,.True-ok,.False-ok,.Bound{background:#d7f5dd;color:#176b2c}
            .Degraded,.Failed,.Unavailable,.CrashLoopBackOff,.True-bad,.False-bad{background:#fde0de;color:#9b1c13}
            .Provisioning,.Scaling,.Upgrading,.Pending,.Starting,.Scheduling,.Scheduled,.Draining{background:#fff1cc;color:#7a5600}
            .muted{color:#7b8794} .empty{color:#7b8794;font-style:italic}
            dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px;margin:0}
            dt{color:#4a5866} dd{margin:0}
            """;

    private final Supplier<List<ClusterView.FileSystem>> source;

    public StatusPage(Supplier<List<ClusterView.FileSystem>> source) {
        this.source = source;
    }

    public String render() {
        List<ClusterView.FileSystem> filesystems = source.get();
        StringBuilder b = new StringBuilder(8192);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"15\">")
                .append("<title>Lustre CSI — server-provisioner status</title><style>")
                .append(CSS)
                .append("</style></head><body>\n<header><h1>Lustre filesystems</h1><p>server-provisioner · ")
                .append(filesystems.size())
                .append(filesystems.size() == 1 ? " filesystem" : " filesystems")
                .append(" · ")
                .append(Html.escape(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
                .append(" · read-only</p></header>\n<main>\n");
        summary(b, filesystems);
        for (ClusterView.FileSystem fs : filesystems) {
            filesystem(b, fs);
        }
        b.append("</main></body></html>\n");
        return b.toString();
    }

    private static void summary(StringBuilder b, List<ClusterView.FileSystem> filesystems) {
        b.append("<section class=\"fs\" id=\"summary\"><h2>Overview</h2>");
        if (filesystems.isEmpty()) {
            b.append("<p class=\"empty\">No LustreFileSystem resources.</p></section>\n");
            return;
        }
        b.append("<table><thead><tr><th>Filesystem</th><th>fsname</th><th>Phase</th><th>Capacity</th>")
                .append("<th>OSTs ready / active / spec</th><th>Servers ready</th><th>Volumes</th><th>MGS NIDs</th>")
                .append("</tr></thead><tbody>\n");
        for (ClusterView.FileSystem fs : filesystems) {
            LustreFileSystem r = fs.resource();
            LustreFileSystemStatus st = status(r);
            long ready =
                    fs.servers().stream().filter(s -> s.status().readyNow()).count();
            b.append("<tr>")
                    .append(td("<a href=\"#" + Html.escape(anchor(r)) + "\">" + Html.escape(key(r)) + "</a>"))
                    .append(tdText(r.getSpec() == null ? "" : r.getSpec().getFsName()))
                    .append(td(badge(phase(st))))
                    .append(tdText(capacity(st)))
                    .append(tdText(orDash(st.getReadyOsts()) + " / " + orDash(st.getActiveOsts()) + " / "
                            + (r.getSpec() == null ? "-" : orDash(r.getSpec().getOstCount()))))
                    .append(tdText(ready + " / " + fs.servers().size()))
                    .append(tdText(fs.volumes().size()))
                    .append(tdText(st.getMgsNids().isEmpty() ? "-" : String.join(", ", st.getMgsNids())))
                    .append("</tr>\n");
        }
        b.append("</tbody></table></section>\n");
    }

    private static void filesystem(StringBuilder b, ClusterView.FileSystem fs) {
        LustreFileSystem r = fs.resource();
        LustreFileSystemStatus st = status(r);
        b.append("<section class=\"fs\" id=\"")
                .append(Html.escape(anchor(r)))
                .append("\"><h2>")
                .append(Html.escape(key(r)))
                .append(" ")
                .append(badge(phase(st)))
                .append("</h2><dl>")
                .append(dt("fsname", r.getSpec() == null ? "" : r.getSpec().getFsName()))
                .append(dt("Lustre version", lustreVersion(r, fs.servers())))
                .append(dt("Capacity", capacity(st)))
                .append(dt("MGS NIDs", st.getMgsNids().isEmpty() ? "-" : String.join(", ", st.getMgsNids())))
                .append("</dl>\n");

        section(
                b,
                "Health",
                "conditions",
                List.of("Condition", "Status", "Reason", "Message", "Since"),
                st.getConditions(),
                "No conditions reported yet.",
                c -> {
                    // Degraded=True is bad news; for the other conditions True is the good state.
                    boolean bad = "Degraded".equals(c.getType()) == "True".equals(c.getStatus());
                    return tdText(c.getType())
                            + td("<span class=\"badge " + Html.escape(c.getStatus()) + (bad ? "-bad" : "-ok") + "\">"
                                    + Html.escape(c.getStatus()) + "</span>")
                            + tdText(c.getReason())
                            + tdText(c.getMessage())
                            + tdText(c.getLastTransitionTime());
                });
        section(
                b,
                "Servers",
                "servers",
                List.of("Server", "Role", "NID", "VM", "VMI phase", "Ready", "Lustre"),
                fs.servers(),
                "No servers yet.",
                s -> {
                    ServerStatus ss = s.status();
                    return tdText(ss.getName())
                            + tdText(ss.getRole()
                                    + (ss.runsMgs() && !"MGS".equals(String.valueOf(ss.getRole())) ? " + MGS" : ""))
                            + tdText(ss.getNid() == null ? "-" : ss.getNid())
                            + td(badge(s.vmStatus()))
                            + td(badge(s.vmiPhase()))
                            + td(badge(
                                    ss.readyNow()
                                            ? "Ready"
                                            // A failover pair's passive VM: running, its partner serves the targets.
                                            : ss.passivePairMember()
                                                    ? "Passive"
                                                    : ss.wasEverReady() ? "Unavailable" : "Pending"))
                            + tdText(ss.getLustreVersion() == null ? "-" : ss.getLustreVersion());
                });
        section(
                b,
                "Targets",
                "targets",
                List.of("Target", "Kind", "Index", "Server", "State", "Size"),
                st.getTargets(),
                "No targets yet.",
                t -> tdText(t.getName())
                        + tdText(t.getKind())
                        + tdText(t.getIndex())
                        + tdText(t.getServer())
                        + td(badge(String.valueOf(t.getState())))
                        + tdText(t.getSizeBytes() == null ? "-" : Quantities.format(t.getSizeBytes())));
        section(
                b,
                "Volumes (PVCs)",
                "volumes",
                List.of("PVC", "PV", "Size", "PV phase", "Directory"),
                fs.volumes(),
                "No volumes on this filesystem.",
                v -> tdText(v.claimName().isEmpty() ? "(unbound)" : v.claimNamespace() + "/" + v.claimName())
                        + tdText(v.pv())
                        + tdText(v.capacity())
                        + td(badge(v.pvPhase()))
                        + tdText(v.directory().isEmpty() ? "(whole filesystem)" : "/" + v.directory()));
        b.append("</section>\n");
    }

    /** An {@code <h3>} part of a filesystem's section: a table, one row per item, or a line saying there are none. */
    private static <T> void section(
            StringBuilder b,
            String heading,
            String tableClass,
            List<String> headers,
            List<T> items,
            String none,
            Function<T, String> cells) {
        b.append("<h3>").append(heading).append("</h3>");
        if (items.isEmpty()) {
            b.append("<p class=\"empty\">").append(none).append("</p>");
            return;
        }
        b.append("<table class=\"").append(tableClass).append("\"><thead><tr>");
        headers.forEach(h -> b.append("<th>").append(h).append("</th>"));
        b.append("</tr></thead><tbody>");
        for (T item : items) {
            b.append("<tr>").append(cells.apply(item)).append("</tr>");
        }
        b.append("</tbody></table>\n");
    }

    /** The version every server runs, or the spec's and what the servers run while that differs. */
    private static String lustreVersion(LustreFileSystem r, List<ClusterView.Server> servers) {
        LustreFileSystemStatus st = status(r);
        if (st.getLustreVersion() != null) {
            return st.getLustreVersion();
        }
        String running = String.join(
                ", ",
                servers.stream()
                        .map(s -> s.status().getLustreVersion())
                        .filter(java.util.Objects::nonNull)
                        .distinct()
                        .sorted()
                        .toList());
        return (r.getSpec() == null ? "-" : r.getSpec().getLustreVersion()) + " wanted; servers run: "
                + (running.isEmpty() ? "none ready yet" : running);
    }

    private static LustreFileSystemStatus status(LustreFileSystem r) {
        return r.getStatus() == null ? new LustreFileSystemStatus() : r.getStatus();
    }

    private static String phase(LustreFileSystemStatus st) {
        return st.getPhase() == null ? "Pending" : st.getPhase().name();
    }

    private static String capacity(LustreFileSystemStatus st) {
        return st.getCapacityBytes() == null
                ? "-"
                : Quantities.format(st.getCapacityBytes()).toString();
    }

    private static String key(LustreFileSystem r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private static String anchor(LustreFileSystem r) {
        return "fs-" + r.getMetadata().getNamespace() + "-" + r.getMetadata().getName();
    }

    private static String orDash(Integer n) {
        return n == null ? "-" : n.toString();
    }

    /** A badge whose CSS class is the state's name (escaped; unknown states get the neutral style). */
    private static String badge(String state) {
        return "<span class=\"badge " + Html.escape(state) + "\">" + Html.escape(state) + "</span>";
    }

    private static String td(String html) {
        return "<td>" + html + "</td>";
    }

    private static String tdText(Object text) {
        return "<td>" + Html.escape(text) + "</td>";
    }

    private static String dt(String term, String value) {
        return "<dt>" + Html.escape(term) + "</dt><dd>" + Html.escape(value) + "</dd>";
    }
}
