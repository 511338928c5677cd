package org.ubdjava.cli.replay;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ubdjava.core.io.DemoImage;
import org.ubdjava.cli.UbdMain;

import picocli.CommandLine;

/** Runs `ubd ...` in-process and keeps exit code, stdout and stderr. */
public record ReplayRun(int exit, String out, String err) {
    public static ReplayRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = UbdMain.commandLine(false);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new ReplayRun(exit, out.toString(), err.toString());
    }

    /**
     * Runs `ubd ARGS` in a JVM of its own, started by bash after {@code shell} (e.g. {@code ulimit
     * -n 300}) with {@code jvm} options: for limits of the process, which one JVM cannot change for
     * itself. stdout and stderr are kept together in {@code out}.
     */
    public static ReplayRun inChildJvm(String shell, List<String> jvm, String... args) throws Exception {
        List<String> words = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-opens",
                "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED"));
        words.addAll(jvm);
        words.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.ubdjava.cli.UbdMain"));
        words.addAll(List.of(args));
        StringBuilder cmd = new StringBuilder(shell.isEmpty() ? "exec " : shell + " && exec ");
        for (String w : words) {
            cmd.append('\'').append(w.replace("'", "'\\''")).append("' ");
        }
        Process p = new ProcessBuilder("bash", "-c", cmd.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ReplayRun(p.waitFor(), out, "");
    }

    /** The demo trace copied out of the jar into {@code dir}. */
    static Path demoTrace(Path dir) throws Exception {
        Path t = dir.resolve("demo.iolog");
        try (var in = ReplayRun.class.getResourceAsStream("/traces/demo.iolog")) {
            Files.copy(in, t);
        }
        return t;
    }

    /**
     * {@code ubd replay} of the demo trace on {@code vms} VMs over a demo image in {@code dir}
     * (made once, from {@code imageSeed}), COW files in {@code dir/run}, with {@code --json} and {@code extra} options.
     */
    static String[] demoArgs(Path dir, long imageSeed, int vms, String... extra) throws Exception {
        Path backing = dir.resolve("base.img");
        if (!Files.exists(backing)) {
            DemoImage.create(backing, 64L << 20, 3, imageSeed);
        }
        Files.createDirectories(dir.resolve("run")); // a replay makes no directory for its COW files
        Path trace = Files.exists(dir.resolve("demo.iolog")) ? dir.resolve("demo.iolog") : demoTrace(dir);
        String[] base = {"replay", "--trace", trace.toString(), "--vms", Integer.toString(vms), "--json"};
        String[] all = new String[base.length + extra.length + 1];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        all[all.length - 1] = "ubd0=" + dir.resolve("run/vm.cow") + "," + backing;
        return all;
    }
}
