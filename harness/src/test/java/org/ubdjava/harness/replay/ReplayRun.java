package org.ubdjava.harness.replay;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ubdjava.harness.cli.UbdMain;

import picocli.CommandLine;

/** Runs `ubd ...` in-process and keeps exit code, stdout and stderr. */
record ReplayRun(int exit, String out, String err) {
    static ReplayRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = UbdMain.commandLine(false);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new ReplayRun(exit, out.toString(), err.toString());
    }

    /** The demo trace copied out of the jar into {@code dir}. */
    static Path demoTrace(Path dir) throws Exception {
        Path t = dir.resolve("demo.iolog");
        try (var in = ReplayRun.class.getResourceAsStream("/traces/demo.iolog")) {
            Files.copy(in, t);
        }
        return t;
    }

    static Path shared() {
        String root = System.getProperty("ubd.repo.root");
        Path p = root == null ? null : Path.of(root).getParent().resolve("shared");
        return p != null && Files.isDirectory(p) ? p : Path.of("/work/shared");
    }
}
