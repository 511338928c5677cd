package org.ubdjava.cli;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code ubd} command: every tool of the project under one name, the one picocli application. */
@Command(name = "ubd", mixinStandardHelpOptions = true, versionProvider = UbdMain.Version.class,
        description = "User-Mode Linux ubd block devices and COW files, in Java.")
public final class UbdMain implements Callable<Integer> {
    /** Every subcommand, in the order the help lists them. */
    static final List<Class<?>> COMMANDS = List.of(MkcowCommand.class, MooCommand.class, InfoCommand.class, CheckCommand.class,
            MapCommand.class, RebaseCommand.class, CompareCommand.class, UbdParseCommand.class, CatCommand.class, WriteCommand.class,
            ReplayCommand.class, ReportCommand.class, DemoCommand.class, ServeCommand.class, UmlCommand.class, BenchCommand.class,
            CacheSimCommand.class, CommandLine.HelpCommand.class);

    /**
     * JNA's library search path: unset, JNA works it out at its first use by running {@code
     * ldconfig -p}, a program of its own (about 20 ms of each start, with Java's process spawning).
     * The one native library the commands use, the C library, the dynamic loader finds by its name.
     */
    static final String JNA_SEARCH_PATH = "jna.platform.library.path";

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    /** Alone it has no subcommands: {@link #commandLine} adds them. */
    private UbdMain() {
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** The whole application: every subcommand. */
    public static CommandLine commandLine(boolean debug) {
        return commandLine(COMMANDS, debug);
    }

    /**
     * The application as {@code args} need it: only the subcommand they name, when they name one.
     * picocli reads every annotated option of every subcommand it is given, about a tenth of a
     * second of a start on these machines (more than the work of a short command); what parses,
     * prints and exits is the same, since a subcommand's parse never looks at its siblings.
     * Anything else (no command, a word that is none, {@code help}) gets them all, for the lists.
     */
    static CommandLine commandLine(String[] args, boolean debug) {
        String word = null;
        for (String a : args) {
            if (a.equals("--")) {
                break; // what follows is operands, never a command
            }
            if (!a.startsWith("-")) {
                word = a;
                break;
            }
        }
        for (Class<?> c : COMMANDS) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(word)) {
                return commandLine(List.of(c), debug);
            }
        }
        return commandLine(debug);
    }

    private static CommandLine commandLine(List<Class<?>> commands, boolean debug) {
        CommandLine cl = new CommandLine(new UbdMain());
        for (Class<?> c : commands) {
            cl.addSubcommand(c);
        }
        return CommandLines.configure(cl, debug);
    }

    public static void main(String[] args) {
        if (System.getProperty(JNA_SEARCH_PATH) == null) {
            System.setProperty(JNA_SEARCH_PATH, "");
        }
        boolean debug = Arrays.asList(args).contains("--debug");
        System.exit(commandLine(args, debug).execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = UbdMain.class.getPackage().getImplementationVersion();
            return new String[] {"ubd-java " + (v == null ? "(development build)" : v)};
        }
    }
}
