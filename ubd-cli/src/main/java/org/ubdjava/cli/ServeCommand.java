package org.ubdjava.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Endpoint;
import org.ubdjava.export.Export;
import org.ubdjava.export.Servers;
import org.ubdjava.export.nbd.ListenAddress;
import org.ubdjava.export.nbd.NbdServer;
import org.ubdjava.export.vhost.VhostUserServer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Export devices over NBD (fixed newstyle), or to virtio guests over vhost-user, until SIGINT or SIGTERM.", "",
                "Each SPEC (the kernel's syntax, ubd0=cow.img,root_fs) becomes an export named after its device",
                "(ubda, ubdb, ...); the empty name means the first. Every request goes through the driver, with",
                "full COW semantics. 'r' exports are read-only; 't' exports offer no trim or write-zeroes.",
                "Requests must be 512-byte aligned (advertised as the minimum block size).", "",
                "On stdout, one line per export when ready: NAME SIZE rw|ro URI (with vhost-user: its socket, then",
                "the guest's argument). On SIGINT/SIGTERM: stops accepting, answers requests in flight, flushes",
                "every device, removes the socket file.", "",
                "Example: ubd serve ubd0=cow.img,back.img   then   nbdinfo 'nbd+unix:///ubda?socket=ubd.sock'"})
public final class ServeCommand implements Callable<Integer> {
    /** The help of every server's {@code --warm-up MS}. */
    public static final String WARM_UP_HELP = "Before accepting guests, run the request path on a scratch device (a small COW "
            + "file in a hidden directory under the temporary directory, deleted afterwards) until it stops getting faster, "
            + "for at most MS milliseconds: a fresh JVM runs a guest's first tens of thousands of requests interpreted, "
            + "at about half its speed (default ${DEFAULT-VALUE}; 0: accept at once, cold).";


    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = ListenAddress.DEFAULT,
            description = {"unix:PATH or tcp:HOST:PORT (tcp:PORT means 127.0.0.1; port 0 picks one): NBD.",
                    "vhost-user:PATH: a vhost-user-blk back-end instead. A User-Mode Linux guest attaches with "
                            + "virtio_uml.device=PATH:2 and sees /dev/vda (insmod virtio_blk.ko in the guest). With several "
                            + "SPECs each has its socket PATH.ubda, PATH.ubdb, ... (printed at start). A guest that leaves "
                            + "releases its disk (flushed, locks dropped).",
                    "Default: ${DEFAULT-VALUE} in the current directory."})
    String listen;

    @Option(names = "--record", paramLabel = "DIR",
            description = "With vhost-user: each device's requests as a fio iolog v3, DIR/ubda.iolog, ... (replay them with ubd replay or fio).")
    Path record;

    @Option(names = "--poll-us", paramLabel = "US", defaultValue = "" + Servers.POLL_MICROS,
            description = {"After the last request, the thread that takes requests watches for the next one this long "
                    + "before it sleeps (default: ${DEFAULT-VALUE}): a client at depth 1 is then answered without a thread "
                    + "wake-up, at the price of up to US microseconds of one core after each burst (QEMU's IOThread poll-max-ns). "
                    + "NBD: the I/O thread spins, then yields as long. vhost-user: each device's thread, which also runs its "
                    + "requests, watches the queue with the guest's kicks off. 0: sleep at once."})
    long pollMicros;

    @Option(names = "--warm-up", paramLabel = "MS", defaultValue = "" + Servers.DEFAULT_WARM_UP_MILLIS,
            converter = Numbers.CountOrZero.class, description = WARM_UP_HELP)
    int warmUpMillis;

    @Parameters(paramLabel = "SPEC", arity = "1..*")
    List<String> devices;

    @Override
    public Integer call() throws Exception {
        if (pollMicros < 0 || pollMicros > 1_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--poll-us must be 0 to 1000000 microseconds, not " + pollMicros);
        }
        boolean vhost = listen.startsWith(VhostUserServer.SCHEME);
        if (record != null && !vhost) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--record needs --listen vhost-user:PATH");
        }
        Path socket = null;
        ListenAddress address = null;
        try {
            if (vhost) {
                socket = VhostUserServer.parse(listen);
            } else {
                address = ListenAddress.parse(listen);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen " + e.getMessage());
        }
        List<UbdDeviceConfig> configs = new ArrayList<>();
        for (String d : devices) {
            configs.add(SpecDevice.parse(spec, d));
        }
        Consumer<String> log = lines(spec);
        // vhost-user devices run their requests on their own threads: the driver's I/O threads need not poll
        UbdDriver driver = Servers.driver(vhost ? 0 : pollMicros);
        Export export = vhost ? new VhostUserServer(driver, configs, socket, record, SpecDevice.stderr(spec), log, pollMicros)
                : new NbdServer(driver, configs, address, SpecDevice.stderr(spec), log);
        export.warmUpFirst(warmUpMillis).start();
        Servers.closeOnSignal(export, log);
        PrintWriter out = spec.commandLine().getOut();
        for (Endpoint e : export.endpoints()) {
            out.println(e.readyLine());
        }
        out.flush();
        export.awaitClosed();
        return ExitCodes.OK;
    }

    /** A server's log as the command's stderr, one line per event, from any of its threads. */
    static Consumer<String> lines(CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            synchronized (err) {
                err.println(spec.qualifiedName() + ": " + line);
                err.flush();
            }
        };
    }
}
