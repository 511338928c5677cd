package org.ubdjava.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.ubdjava.core.format.CowRebaser;
import org.ubdjava.core.Printable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rebase", mixinStandardHelpOptions = true,
        description = {"Point a COW file at its moved backing file.", "",
                "Rewrites the header's path to NEWBACKING when its size and mtime match the header (the",
                "kernel's switch). Only the path field is rewritten, in the header's own version: v1 and v2",
                "files stay v1 and v2 (the kernel rewrites them as v3 and corrupts their bitmap, bug B6).",
                "Refused while the COW file is locked by a running UML."})
public final class RebaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "COW")
    Path cow;

    @Parameters(index = "1", paramLabel = "NEWBACKING")
    String newBacking;

    @Override
    public Integer call() {
        String stored = CowRebaser.rebase(cow, newBacking);
        spec.commandLine().getOut().println(Printable.escape(cow + ": backing file is now \"" + stored + "\""));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
