package org.ubdjava.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ubd report}: commands over reports already written; alone, its usage. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Work on the reports replays wrote: merge the shards of one run.",
        subcommands = {ReportMergeCommand.class, CommandLine.HelpCommand.class})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
