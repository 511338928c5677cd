package org.ubdjava.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.export.Endpoint;
import org.ubdjava.export.Export;
import org.ubdjava.export.Servers;
import org.ubdjava.export.vhost.VhostUserServer;
import org.ubdjava.realtools.UmlKernel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "uml", mixinStandardHelpOptions = true,
        description = {"Runs linux.uml with ARGS, each ubdN= argument served by ubd-java instead of the kernel's ubd driver.", "",
                "Every ubdN[flags]=FILE[,BACKING[,SERIAL]] becomes a vhost-user-blk device (virtio_uml.device=SOCKET:2):",
                "the guest sees it as /dev/vda, /dev/vdb, ... in the order given, once it has loaded virtio_blk:",
                "  insmod /usr/lib/uml/modules/$(uname -r)/kernel/drivers/block/virtio_blk.ko",
                "(Debian's linux.uml 6.1 builds virtio_blk as a module; with the host's root over hostfs the guest",
                "reaches it directly). Every request goes through our driver with the SPEC's COW semantics.", "",
                "Example: ubd uml mem=256M ubd0=cow.img,root_fs root=/dev/root rootfstype=hostfs rootflags=/ rw init=/path/script", "",
                "Exits with linux.uml's own status; on SIGINT or SIGTERM linux.uml is stopped first, and its status is ubd uml's."})
public final class UmlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--warm-up", paramLabel = "MS", defaultValue = "" + Servers.DEFAULT_WARM_UP_MILLIS,
            converter = Numbers.CountOrZero.class, description = ServeCommand.WARM_UP_HELP)
    int warmUpMillis;

    @Parameters(paramLabel = "ARGS", arity = "1..*", description = "linux.uml's arguments, passed as they are but for ubdN=")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        List<UbdDeviceConfig> configs = new ArrayList<>();
        Set<Integer> devices = new HashSet<>(); // indexes in args of the ubdN= arguments served here
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            // every argument the kernel's ubd_setup takes as a device's (it matches the prefix "ubd"):
            // one that configures no device is a usage error here, in SpecDevice's words, before
            // linux.uml starts (the kernel would log a line and boot without the disk); the global
            // options (ubd=sync) pass on as they are
            if (a.startsWith("ubd") && !a.startsWith("ubd=") && a.contains("=")) {
                configs.add(SpecDevice.parse(spec, a));
                devices.add(i);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        Optional<UmlKernel> kernel = UmlKernel.get();
        if (kernel.isEmpty()) {
            err.println(spec.qualifiedName() + ": " + UmlKernel.whyUnavailable());
            err.flush();
            return ExitCodes.FAILED;
        }
        Path dir = Files.createTempDirectory("ubd-uml");
        Export server = null;
        try {
            List<String> cmd = new ArrayList<>(List.of(kernel.get().binary().toString()));
            if (!configs.isEmpty()) {
                server = new VhostUserServer(Servers.driver(0), configs, dir.resolve("ubd.sock"), null, SpecDevice.stderr(spec),
                        ServeCommand.lines(spec), Servers.POLL_MICROS).warmUpFirst(warmUpMillis).start();
            }
            int next = 0;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (devices.contains(i)) {
                    Endpoint e = server.endpoints().get(next);
                    err.println(spec.qualifiedName() + ": " + e.name() + " is /dev/vd" + (char) ('a' + next) + " in the guest, served by ubd-java"
                            + " (load virtio_blk first: insmod " + UmlKernel.VIRTIO_BLK_MODULE + ")");
                    cmd.add(e.guestArgument().orElseThrow());
                    next++;
                } else {
                    cmd.add(a);
                }
            }
            err.flush();
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().putAll(kernel.get().environment());
            Process p = pb.start();
            // SIGINT/SIGTERM: linux.uml is told to stop (SIGTERM) and waited for, then the disks are
            // flushed and released; the exit status stays linux.uml's
            Servers.onStopSignal(p::destroy);
            try {
                return p.waitFor();
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
            }
        } finally {
            if (server != null) {
                server.close();
            }
            Files.deleteIfExists(dir);
        }
    }
}
