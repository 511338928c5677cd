package org.ubdjava.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;
import org.ubdjava.core.Printable;

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
                "Exit 1 when it finds a problem, one line each on stderr."})
public final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Option(names = "--expect-backing", paramLabel = "PATH",
            description = "A problem unless the header's backing file is PATH (the same file: device and inode).")
    Path expectBacking;

    @Parameters(paramLabel = "COW")
    Path cow;

    @Override
    public Integer call() {
        List<String> problems;
        try (CowFile f = CowFile.open(cow)) {
            problems = CowInspector.check(f, backingDirs.policy(), expectBacking);
        } catch (IOException e) {
            throw new UbdException(cow + ": " + e.getMessage(), e);
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
