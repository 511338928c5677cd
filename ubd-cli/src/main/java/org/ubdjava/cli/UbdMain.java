package org.ubdjava.cli;

import java.util.Arrays;
import java.util.concurrent.Callable;

import org.ubdjava.cli.CacheSimCommand;
import org.ubdjava.cli.ServeCommand;
import org.ubdjava.cli.UmlCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code ubd} command: every tool of the project under one name, the one picocli application. */
@Command(name = "ubd", mixinStandardHelpOptions = true, versionProvider = UbdMain.Version.class,
        description = "User-Mode Linux ubd block devices and COW files, in Java.",
        subcommands = {MkcowCommand.class, MooCommand.class, InfoCommand.class, CheckCommand.class,
                MapCommand.class, RebaseCommand.class, CompareCommand.class, UbdParseCommand.class, CatCommand.class, WriteCommand.class,
                ReplayCommand.class, ReportCommand.class, DemoCommand.class, ServeCommand.class, UmlCommand.class, BenchCommand.class, CacheSimCommand.class,
                CommandLine.HelpCommand.class})
public final class UbdMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    public static CommandLine commandLine(boolean debug) {
        return CommandLines.create(new UbdMain(), debug);
    }

    public static void main(String[] args) {
        boolean debug = Arrays.asList(args).contains("--debug");
        System.exit(commandLine(debug).execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = UbdMain.class.getPackage().getImplementationVersion();
            return new String[] {"ubd-java " + (v == null ? "(development build)" : v)};
        }
    }
}
