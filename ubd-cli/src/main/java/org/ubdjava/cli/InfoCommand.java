package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInfo;
import org.ubdjava.core.format.CowInspector;
import org.ubdjava.core.Printable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show a COW file's header, layout and contents.", "",
                "What the header says, its layout, how much it holds, and whether its backing file matches.",
                "Reads nothing but the header, the bitmap and the backing file's metadata. Exit 0 also when the",
                "backing file does not match (backing_ok says so); 1 when it lies outside --allow-backing-dir (shown all the same).",
                "content_id: the backing file's content identity the header keeps ({algorithm, digest, state, problem};",
                "state none, valid, stale, damaged or no_room), as read from the header: the backing file is not digested",
                "(ubd check --verify-content does that)."})
public final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Parameters(paramLabel = "COW")
    Path cow;

    @Override
    public Integer call() {
        CowInfo info;
        try (CowFile f = CowFile.open(cow)) {
            info = CowInspector.info(f, backingDirs.policy());
        } catch (IOException e) {
            throw new UbdException(cow + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(info));
        } else {
            // the backing path is the header author's text: escaped, it can neither forge a line nor drive the terminal
            Json.fields(info).forEach((k, v) -> out.printf("%-18s %s%n", k + ":", v == null ? "-" : Printable.escape(text(k, v))));
        }
        out.flush();
        if (Boolean.FALSE.equals(info.backingAllowed())) {
            // shown, so the user sees where it points; refused all the same
            spec.commandLine().getErr().println(Printable.escape(info.backingProblem()));
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    /** A field's text: the content id as "valid SHA-256:0123...", "none", "stale SHA-256:... (why)". */
    private static String text(String key, Object value) {
        if (!"content_id".equals(key) || !(value instanceof Map<?, ?> m)) {
            return String.valueOf(value);
        }
        StringBuilder b = new StringBuilder(String.valueOf(m.get("state")));
        if (m.get("digest") != null) {
            b.append(' ').append(m.get("algorithm")).append(':').append(m.get("digest"));
        }
        if (m.get("problem") != null) {
            b.append(" (").append(m.get("problem")).append(')');
        }
        return b.toString();
    }
}
