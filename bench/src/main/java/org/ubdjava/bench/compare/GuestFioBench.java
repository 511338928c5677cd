package org.ubdjava.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.realtools.Processes;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.export.Endpoint;
import org.ubdjava.export.Export;
import org.ubdjava.export.Servers;
import org.ubdjava.export.vhost.VhostUserServer;

/**
 * Real guests on three back-ends in one boot of the UML kernel (Debian's linux.uml), fio in the
 * guest (psync, O_DIRECT, depth 1, warm host cache) on each workload, each back-end in turn: the
 * kernel's own ubd driver on COW files over the backing file; ubd-java's vhost-user-blk back-end
 * (a freshly started {@code bin/ubd serve --listen vhost-user:}, warmed by nothing but its own
 * warm-up, as a user meets it) on COW files over the same backing; and, where installed,
 * qemu-storage-daemon's vhost-user-blk export of a qcow2 overlay of it. At depth 32 the kernel's
 * ubd gets slower, not faster, so depth 1 is its best.
 *
 * <p>The guest's own overhead (a ptrace-based kernel on 2 shared cores) makes one run of a few
 * seconds move by 2x: each workload runs on each back-end in turn, for several rounds, and a row is
 * the median round.
 *
 * <p>Disks: ubda the kernel's COW file holding half the blocks, ubdb / ubdc new ones for reads /
 * writes; vda / vdb ours, new, for reads / writes; vdc / vdd qemu-storage-daemon's, new overlays,
 * for reads / writes.
 */
final class GuestFioBench {
    /** Loads the guest's virtio_blk (its own sysfs first: /sys through hostfs is the host's). */
    static final String INSMOD = "mount -t sysfs sysfs /sys 2>/dev/null; insmod " + UmlKernel.VIRTIO_BLK_MODULE
            + " || echo 'virtio_blk: not loaded'\n";
    private static final Pattern JOB = Pattern.compile("\"jobname\" : \"([a-z0-9-]+)\"");
    /** The guest's argument at the end of a vhost-user ready line of {@code ubd serve}. */
    private static final Pattern GUEST_ARGUMENT = Pattern.compile("\\((virtio_uml\\.device=[^)]+)\\)\\s*$");

    private final UmlKernel kernel;
    private final Path fio;
    private final Path dir;
    private final Consumer<String> skip;
    /** How a user starts ubd (the launcher), for a fresh server; empty: the server runs in this JVM. */
    private final List<String> ubd;

    GuestFioBench(UmlKernel kernel, Path fio, Path dir, List<String> ubd, Consumer<String> skip) {
        this.kernel = kernel;
        this.ubd = List.copyOf(ubd);
        this.fio = fio;
        this.dir = dir;
        this.skip = skip;
    }

    /** The back-ends, with the guest's disk of each for reads and for writes. */
    private enum Backend {
        UBD(BenchSystem.UML, "/dev/ubdb", "/dev/ubdc", "ubd"),
        OURS(BenchSystem.GUEST_VHOST, "/dev/vda", "/dev/vdb", "ours"),
        QSD(BenchSystem.GUEST_QSD, "/dev/vdc", "/dev/vdd", "qsd");

        final BenchSystem system;
        final String readDisk;
        final String writeDisk;
        final String tag;

        Backend(BenchSystem system, String readDisk, String writeDisk, String tag) {
            this.system = system;
            this.readDisk = readDisk;
            this.writeDisk = writeDisk;
            this.tag = tag;
        }
    }

    /** @param cowHalf a COW file over the backing holding half the blocks (the kernel's ubda) */
    List<Measurement> run(Path backing, Path cowHalf, List<Workload> workloads, int seconds, int rounds) throws IOException {
        Files.createDirectories(dir);
        List<Path> made = new ArrayList<>();
        List<Backend> backends = new ArrayList<>(List.of(Backend.UBD));
        List<String> args = new ArrayList<>();
        Export ours = null;
        Process ourServer = null;
        Process qsd = null;
        try {
            for (String n : new String[] {"ubd-r", "ubd-w", "ours-r", "ours-w"}) {
                Path p = dir.resolve(n + ".cow");
                Files.deleteIfExists(p);
                made.add(p);
            }
            args.add("ubd0=" + cowHalf + "," + backing);
            args.add("ubd1=" + made.get(0) + "," + backing);
            args.add("ubd2=" + made.get(1) + "," + backing);
            // qemu first: it refuses to open a file another process holds a whole-file read lock on
            // (ours, on the backing file), while its own byte locks leave ours be
            List<String> qsdArgs = new ArrayList<>();
            qsd = startQsd(backing, qsdArgs);
            List<String> ourSpecs = List.of("ubd0=" + made.get(2) + "," + backing, "ubd1=" + made.get(3) + "," + backing);
            if (!ubd.isEmpty()) {
                ourServer = startServe(ourSpecs, args);
            } else {
                skip.accept("uml: ubd-java's back-end runs in this JVM (no launcher to start a fresh ubd serve with: bin/ubd runs it), "
                        + "warm from what ran before it");
                ours = new VhostUserServer(Servers.driver(0), ourSpecs.stream().map(UbdOptionParser::device).toList(),
                        dir.resolve("ours.sock"), null, KernelLog.DISCARD, line -> { }, Servers.POLL_MICROS).start();
                for (Endpoint e : ours.endpoints()) {
                    args.add(e.guestArgument().orElseThrow());
                }
            }
            backends.add(Backend.OURS);
            if (qsd != null) {
                args.addAll(qsdArgs); // after ours: virtio_uml names the devices in command-line order
                backends.add(Backend.QSD);
            }
            StringBuilder script = new StringBuilder(INSMOD);
            int jobs = 0;
            // no warm-up here: a guest meets a freshly started server, warmed by nothing but its own
            // --warm-up before it accepted the guest
            for (int round = 0; round < rounds; round++) {
                for (Workload w : workloads) {
                    String rw = (w.sequential ? "" : "rand") + (w.write ? "write" : "read");
                    for (Backend b : backends) {
                        if (w == Workload.RAND_READ_HALF && b != Backend.UBD) {
                            continue; // a half-full COW file is the kernel's file only
                        }
                        String disk = w == Workload.RAND_READ_HALF ? "/dev/ubda" : w.write ? b.writeDisk : b.readDisk;
                        fioJob(script, job(w, b, round), disk, rw, w.blockSize, seconds, backing).append(" --output-format=json\n");
                        jobs++;
                    }
                }
            }
            UmlKernel.Result r = kernel.run(script.toString(), args, 90 + jobs * (seconds + 10), "512M");
            return parse(r, workloads, backends, seconds, rounds);
        } finally {
            if (ours != null) {
                ours.close();
            }
            if (ourServer != null) {
                stopServe(ourServer);
            }
            if (qsd != null) {
                Processes.kill(qsd);
            }
            for (Path p : made) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir.resolve("qsd-r.qcow2"));
            Files.deleteIfExists(dir.resolve("qsd-w.qcow2"));
        }
    }

    /**
     * A fresh {@code ubd serve --listen vhost-user:} process over {@code specs}, as a user starts
     * one (its own warm-up, nothing else); returns once it printed its ready lines, whose guest
     * arguments go to {@code args}.
     */
    private Process startServe(List<String> specs, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(ubd);
        cmd.addAll(List.of("serve", "--listen", "vhost-user:" + dir.resolve("ours.sock")));
        cmd.addAll(specs);
        Path err = dir.resolve("ours.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().put("UBD_NO_BUILD", "1"); // the launcher would rebuild a jar older than its sources: measure the jar that runs
        Process p = pb.start();
        p.getOutputStream().close();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        List<String> ready = new ArrayList<>();
        String line;
        while (ready.size() < specs.size() && (line = out.readLine()) != null) {
            Matcher m = GUEST_ARGUMENT.matcher(line);
            if (m.find()) {
                ready.add(m.group(1));
            }
        }
        if (ready.size() < specs.size()) {
            Processes.kill(p);
            throw new IOException("ubd serve did not start: " + Files.readString(err).strip());
        }
        args.addAll(ready);
        return p;
    }

    /** SIGTERM, the orderly stop (flush, release, remove the sockets), then whatever is left. */
    private static void stopServe(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                Processes.kill(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Processes.kill(p);
        }
    }

    /** qemu-storage-daemon with two qcow2 overlays of the backing exported over vhost-user-blk; null (and a line) when not installed. */
    private Process startQsd(Path backing, List<String> args) throws IOException {
        Optional<Path> daemon = Processes.onPath("qemu-storage-daemon");
        Optional<Path> img = Processes.onPath("qemu-img");
        if (daemon.isEmpty() || img.isEmpty()) {
            skip.accept("qemu-storage-daemon rows skipped: not installed (apt-get install -y qemu-system-common qemu-utils)");
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(daemon.get().toString()));
        for (String n : new String[] {"r", "w"}) {
            Path overlay = dir.resolve("qsd-" + n + ".qcow2");
            Files.deleteIfExists(overlay);
            Processes.Result c = Processes.run(dir, List.of(img.get().toString(), "create", "-q", "-f", "qcow2", "-b",
                    backing.toAbsolutePath().toString(), "-F", "raw", overlay.toString()), 60);
            if (c.exit() != 0) {
                skip.accept("qemu-storage-daemon rows skipped: qemu-img create failed: " + c.both().strip().replace('\n', ' '));
                return null;
            }
            Path sock = dir.resolve("qsd-" + n + ".sock");
            Files.deleteIfExists(sock);
            cmd.addAll(List.of("--blockdev", "driver=file,node-name=f" + n + ",filename=" + overlay + ",cache.direct=off",
                    "--blockdev", "driver=qcow2,node-name=q" + n + ",file=f" + n,
                    "--export", "type=vhost-user-blk,id=e" + n + ",node-name=q" + n + ",addr.type=unix,addr.path=" + sock + ",writable=on"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(Files.exists(dir.resolve("qsd-r.sock")) && Files.exists(dir.resolve("qsd-w.sock")))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                Processes.kill(p);
                skip.accept("qemu-storage-daemon rows skipped: it did not start: " + Files.readString(dir.resolve("qsd.log")).strip());
                return null;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Processes.kill(p);
                throw new UbdException("interrupted");
            }
        }
        args.add("virtio_uml.device=" + dir.resolve("qsd-r.sock") + ":2");
        args.add("virtio_uml.device=" + dir.resolve("qsd-w.sock") + ":2");
        return p;
    }

    /** One fio run in the guest: psync, O_DIRECT, depth 1, over the whole device, for {@code seconds}. */
    private StringBuilder fioJob(StringBuilder script, String name, String disk, String rw, int blockSize, int seconds, Path backing)
            throws IOException {
        return script.append(fio).append(" --name=").append(name).append(" --filename=").append(disk).append(" --rw=").append(rw)
                .append(" --bs=").append(blockSize).append(" --direct=1 --ioengine=psync --iodepth=1 --invalidate=0 --time_based --runtime=")
                .append(seconds).append(" --size=").append(Files.size(backing));
    }

    private static String job(Workload w, Backend b, int round) {
        return w.id + "-" + b.tag + "-" + round;
    }

    /** Each (workload, back-end)'s median round. */
    private List<Measurement> parse(UmlKernel.Result r, List<Workload> workloads, List<Backend> backends, int seconds, int rounds) {
        List<Measurement> out = new ArrayList<>();
        for (Workload w : workloads) {
            for (Backend b : backends) {
                List<Measurement> each = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    Measurement m = parse(r.out(), w, b, round, seconds, rounds);
                    if (m != null) {
                        each.add(m);
                    }
                }
                if (!each.isEmpty()) {
                    each.sort(Comparator.comparingDouble(Measurement::iops));
                    out.add(each.get((each.size() - 1) / 2));
                }
            }
        }
        if (out.isEmpty()) {
            String text = r.out();
            throw new IllegalStateException("fio in the guest printed no result (exit " + r.exit() + "): "
                    + text.substring(0, Math.min(400, text.length())).replace('\n', ' '));
        }
        return out;
    }

    private static Measurement parse(String text, Workload w, Backend b, int round, int seconds, int rounds) {
        int at = text.indexOf("\"jobname\" : \"" + job(w, b, round) + "\"");
        if (at < 0) {
            return null;
        }
        Matcher next = JOB.matcher(text);
        int end = next.find(at + 10) ? next.start() : text.length();
        String job = text.substring(at, end);
        String part = job.substring(job.indexOf(w.write ? "\"write\" : {" : "\"read\" : {"));
        double iops = number(part, "\"iops\" : ([0-9.]+)");
        double bw = number(part, "\"bw_bytes\" : ([0-9.]+)");
        int clat = part.indexOf("\"clat_ns\"");
        double p50 = number(part.substring(clat), "\"50.000000\" : ([0-9]+)") / 1e3;
        double p99 = number(part.substring(clat), "\"99.000000\" : ([0-9]+)") / 1e3;
        return new Measurement(b.system, w, 1, 1, (long) (iops * seconds), (long) (bw * seconds), seconds, p50, p99,
                Double.NaN, Double.NaN, "fio psync in one UML guest, each back-end in turn, median of " + rounds + " rounds");
    }

    private static double number(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
