package org.ubdjava.cli;

import org.ubdjava.export.nbd.ListenAddress;
import org.ubdjava.export.nbd.NbdServer;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.export.Servers;
import org.ubdjava.cli.ExitCodes;
import org.ubdjava.cli.Numbers;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.cli.SpecDevice;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.cli.VhostUserServe;
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
                "On stdout, one line per export when ready: NAME SIZE rw|ro URI. On SIGINT/SIGTERM: stops",
                "accepting, answers requests in flight, flushes every device, removes the socket file.", "",
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
    java.nio.file.Path record;

    @Option(names = "--poll-us", paramLabel = "US", defaultValue = "" + Servers.POLL_MICROS,
            description = {"After the last request, the I/O thread spins this long for the next one, then yields "
                    + "as long, then sleeps (default: ${DEFAULT-VALUE}): a client at depth 1 is then answered without a thread "
                    + "wake-up, at the price of up to twice US microseconds of one core after each burst (QEMU's IOThread poll-max-ns). 0: sleep at once."})
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
        if (listen.startsWith(VhostUserServer.SCHEME)) {
            List<UbdDeviceConfig> configs = new ArrayList<>();
            for (String d : devices) {
                configs.add(SpecDevice.parse(spec, d));
            }
            return VhostUserServe.run(spec, listen, configs, record, pollMicros, warmUpMillis);
        }
        if (record != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--record needs --listen vhost-user:PATH");
        }
        ListenAddress address;
        try {
            address = ListenAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen " + e.getMessage());
        }
        List<UbdDeviceConfig> configs = new ArrayList<>();
        for (String d : devices) {
            configs.add(SpecDevice.parse(spec, d));
        }
        address.check();
        PrintWriter err = spec.commandLine().getErr();
        UbdDriver driver = Servers.driver(pollMicros);
        NbdServer server;
        List<Disk> disks = new ArrayList<>();
        try {
            for (UbdDeviceConfig c : configs) {
                disks.add(driver.attach(c, SpecDevice.stderr(spec)));
            }
            Servers.warmUp(driver, warmUpMillis);
            server = new NbdServer(driver, disks, listen, line -> {
                err.println(spec.qualifiedName() + ": " + line);
                err.flush();
            }).start();
        } catch (Exception | Error e) {
            driver.close();
            throw e;
        }
        Servers.closeOnSignal(VhostUserServe.lines(spec), server, "nbd-shutdown");
        PrintWriter out = spec.commandLine().getOut();
        for (Disk d : disks) {
            out.println(d.name() + " " + d.size() + " " + (d.readOnly() ? "ro" : "rw") + " " + server.uri(d.name()));
        }
        out.flush();
        server.awaitClosed();
        return ExitCodes.OK;
    }
}
