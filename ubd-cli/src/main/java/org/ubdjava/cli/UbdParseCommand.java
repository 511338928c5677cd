package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.Printable;
import org.ubdjava.core.options.UbdOptionParser;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ubd parse [--json] SPEC...}: runs the kernel's option parser over the
 * arguments, in order, and prints the device table the driver would create at boot (with the
 * default ubd0 = root_fs). Touches no file.
 *
 * <p>Human mode: the table on stdout; on stderr, the kernel's line for each failed option and
 * each warning, and a note for each argument that is not a ubd option. JSON mode: one object on
 * stdout with {@code devices}, {@code errors}, {@code warnings} and {@code ignored}; nothing on
 * stderr. Exit {@link ExitCodes#FAILED} when any option failed, warnings do not count.
 */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Parse UML command-line ubd options the way the kernel does.", "",
                "Prints the device table that arguments such as ubd0=cow.img,root_fs make. Touches no file."})
public final class UbdParseCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    private boolean json;

    @Parameters(paramLabel = "SPEC", arity = "1..*",
            description = "Kernel command-line arguments, e.g. ubd0=cow.img,root_fs ubdbr=disk.img ubd=sync.")
    private List<String> specs = new ArrayList<>();

    @Override
    public Integer call() {
        UbdOptionParser parser = new UbdOptionParser();
        List<ParseOutcome> outcomes = parser.parseAll(specs);
        List<UbdDeviceConfig> devices = parser.devicesAtDriverInit();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (json) {
            out.println(Json.write(jsonReport(devices, outcomes)));
        } else {
            out.print(DeviceTable.render(devices));
            for (ParseOutcome outcome : outcomes) {
                String line = stderrLine(outcome);
                if (line != null) {
                    err.println(Printable.escape(line));
                }
            }
        }
        out.flush();
        err.flush();
        boolean anyFailed = outcomes.stream().anyMatch(o -> o instanceof ParseOutcome.Failed);
        return anyFailed ? ExitCodes.FAILED : ExitCodes.OK;
    }

    private static String stderrLine(ParseOutcome outcome) {
        if (outcome instanceof ParseOutcome.Failed failed) {
            return failed.message();
        }
        if (outcome instanceof ParseOutcome.Warning warning) {
            return warning.message();
        }
        if (outcome instanceof ParseOutcome.Ignored ignored) {
            return "note: \"" + ignored.argument() + "\" is not a ubd option; ignored";
        }
        return null;
    }

    /** The JSON report: the device table, and the arguments that failed, warned or were ignored. */
    record Report(List<DeviceRow> devices, List<Message> errors, List<Message> warnings, List<String> ignored) {
    }

    /** A configured device, as the table shows it ({@code null} where the option gave nothing). */
    record DeviceRow(int index, String name, String file, String backing, String serial, String flags) {
    }

    record Message(String argument, String message) {
    }

    private static Report jsonReport(List<UbdDeviceConfig> devices, List<ParseOutcome> outcomes) {
        List<DeviceRow> rows = new ArrayList<>();
        for (UbdDeviceConfig device : devices) {
            rows.add(new DeviceRow(device.unit(), device.name(), device.file(), device.backing(), device.serial(),
                    device.flags().letters()));
        }
        List<Message> errors = new ArrayList<>();
        List<Message> warnings = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (ParseOutcome outcome : outcomes) {
            if (outcome instanceof ParseOutcome.Failed failed) {
                errors.add(new Message(failed.argument(), failed.message()));
            } else if (outcome instanceof ParseOutcome.Warning warning) {
                warnings.add(new Message(warning.argument(), warning.message()));
            } else if (outcome instanceof ParseOutcome.Ignored) {
                ignored.add(outcome.argument());
            }
        }
        return new Report(rows, errors, warnings, ignored);
    }

    /** The human table: one header line, one line per device, columns padded to the widest cell. */
    static final class DeviceTable {
        private static final String ABSENT = "-";

        private DeviceTable() {
        }

        static String render(List<UbdDeviceConfig> devices) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"INDEX", "NAME", "FILE", "BACKING", "SERIAL", "FLAGS"});
            for (UbdDeviceConfig d : devices) {
                // file names are the user's bytes, shown on a terminal: a newline or an escape sequence in
                // one must not forge a row nor rewrite the screen
                rows.add(new String[] {Integer.toString(d.unit()), d.name(), Printable.escape(d.file()),
                    orAbsent(Printable.escape(d.backing())), orAbsent(Printable.escape(d.serial())), orAbsent(d.flags().letters())});
            }
            int[] widths = new int[rows.get(0).length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
                }
                out.append(line.toString().stripTrailing()).append(System.lineSeparator());
            }
            return out.toString();
        }

        private static String orAbsent(String value) {
            return value == null || value.isEmpty() ? ABSENT : value;
        }
    }
}
