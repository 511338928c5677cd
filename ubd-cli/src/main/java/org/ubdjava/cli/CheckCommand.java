package org.ubdjava.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;
import org.ubdjava.core.Printable;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.rebase.ContentIdentity;
import org.ubdjava.harness.report.Progress;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Validate a COW file.", "",
                "Checks its header, its layout against the file's length, its bitmap against",
                "the data present, and its backing file (size, then mtime, as the kernel checks them).",
                "A content id record (ubd mkcow --content-id) that is damaged, or stale (made for another backing file: a",
                "tool that does not know it rewrote the header), is a problem. Whether the backing file still has the",
                "content the id records is checked only with --verify-content: that reads the whole backing file (about",
                "a second a GiB here), where every other check reads only the header, the bitmap and metadata.",
                "Exit 1 when it finds a problem, one line each on stderr."})
public final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Option(names = "--expect-backing", paramLabel = "PATH",
            description = "A problem unless the header's backing file is PATH (the same file: device and inode).")
    Path expectBacking;

    @Option(names = "--verify-content", description = "Also digest the backing file and compare it with the COW file's content id: "
            + "a problem when they differ, or when the COW file has no valid id. Reads the whole backing file.")
    boolean verifyContent;

    @Parameters(paramLabel = "COW")
    Path cow;

    @Override
    public Integer call() {
        List<String> problems;
        boolean digest;
        long size;
        try (CowFile f = CowFile.open(cow)) {
            problems = new ArrayList<>(CowInspector.check(f, backingDirs.policy(), expectBacking));
            // a backing file outside the allowed directories is not read, nor one that is not there (the line above says so)
            digest = verifyContent && backingDirs.policy().violation(cow.toString(), f.headerBackingPath()).isEmpty()
                    && Files.isRegularFile(f.headerBackingPath());
            CowHeader h = f.header();
            size = h.size();
        } catch (IOException e) {
            throw new UbdException(cow + ": " + e.getMessage(), e);
        }
        if (digest) {
            try (Progress bar = Progress.of("verify", size)) {
                ContentIdentity.Verification v = ContentIdentity.verify(cow, bar);
                String p = v.state().kind() == ContentIdState.Kind.NONE
                        ? cow + ": has no content id to verify (ubd rebase --add-content-id adds one while the backing file is right)"
                        : v.problem();
                if (!v.matches() && !problems.contains(p)) {
                    problems.add(p);
                }
            }
        }
        if (problems.isEmpty()) {
            spec.commandLine().getOut().println(Printable.escape(cow + ": OK"));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        PrintWriter err = spec.commandLine().getErr();
        // problems quote the header's backing path: escaped like every message
        problems.forEach(p -> err.println(Printable.escape(p)));
        err.flush();
        return ExitCodes.FAILED;
    }
}
