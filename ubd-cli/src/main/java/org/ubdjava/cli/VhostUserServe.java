package org.ubdjava.cli;

import org.ubdjava.export.vhost.VhostUserServer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.ubdjava.export.Servers;
import org.ubdjava.cli.ExitCodes;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.cli.SpecDevice;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ubd serve --listen vhost-user:PATH}: serves until SIGINT or SIGTERM. */
public final class VhostUserServe {
    private VhostUserServe() {
    }

    /** The server's log as the command's stderr, one line per event, from any device's thread. */
    static Consumer<String> lines(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            synchronized (err) {
                err.println(spec.qualifiedName() + ": " + line);
                err.flush();
            }
        };
    }

    public static int run(CommandSpec spec, String listen, List<UbdDeviceConfig> configs, Path record, long pollMicros,
                          long warmUpMillis)
            throws Exception {
        String p = listen.substring(VhostUserServer.SCHEME.length());
        if (p.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen " + listen + ": expected vhost-user:PATH");
        }
        for (UbdDeviceConfig c : configs) {
            Servers.requireSocketOrFree(VhostUserServer.socketOf(Path.of(p), c.name(), configs.size()));
        }
        VhostUserServer server = new VhostUserServer(Servers.driver(pollMicros), configs, Path.of(p), record, SpecDevice.stderr(spec), lines(spec))
                .warmUpFirst(warmUpMillis).start();
        Servers.closeOnSignal(lines(spec), server, "vhost-user-shutdown");
        PrintWriter out = spec.commandLine().getOut();
        for (VhostUserServer.Endpoint e : server.endpoints()) {
            out.println(e.name() + " " + e.size() + " " + (e.readOnly() ? "ro" : "rw") + " " + e.socket()
                    + "   (" + e.umlArgument() + ")");
        }
        out.flush();
        server.awaitClosed();
        return ExitCodes.OK;
    }
}
