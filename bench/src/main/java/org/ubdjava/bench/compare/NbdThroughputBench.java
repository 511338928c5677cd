package org.ubdjava.bench.compare;

import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.export.nbd.ListenAddress;
import org.ubdjava.export.nbd.NbdServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ubdjava.core.io.Cleanup;
import org.ubdjava.harness.report.Json;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Not a test: our NBD server over a ubd COW device against qemu-nbd over a qcow2 overlay of the
 * same backing file, both on unix sockets, driven by fio's nbd engine in the same run, with the
 * same jobs, each on a fresh overlay. Prints IOPS and MB/s per job and the ratio ubd / qemu.
 *
 * <pre>java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
 *     -cp ubd-cli/target/ubd.jar org.ubdjava.bench.compare.NbdThroughputBench [SECONDS] [SIZE_MIB]</pre>
 */
public final class NbdThroughputBench {
    record Job(String name, String rw, String bs, int iodepth) {
    }

    record Result(double iops, double mbPerS) {
    }

    static final List<Job> JOBS = List.of(
            new Job("randread 4k qd16", "randread", "4k", 16),
            new Job("randwrite 4k qd16", "randwrite", "4k", 16),
            new Job("randrw 4k qd16", "randrw", "4k", 16),
            new Job("read 1M qd4", "read", "1M", 4));

    private NbdThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
        Path dir = Files.createTempDirectory("nbd-bench");
        Path backing = dir.resolve("back.img");
        writeRandom(backing, size);
        List<Result[]> results = new ArrayList<>();
        for (Job job : JOBS) {
            results.add(new Result[] {ubd(dir, backing, job, seconds), qemu(dir, backing, job, seconds)});
        }
        System.out.printf("%-20s %12s %10s   %12s %10s   %s%n", "job (" + seconds + " s each)", "ubd IOPS", "ubd MB/s",
                "qemu IOPS", "qemu MB/s", "ubd/qemu");
        for (int i = 0; i < JOBS.size(); i++) {
            Result u = results.get(i)[0];
            Result q = results.get(i)[1];
            System.out.printf("%-20s %12.0f %10.1f   %12.0f %10.1f   %.2f%n", JOBS.get(i).name(), u.iops(), u.mbPerS(),
                    q.iops(), q.mbPerS(), u.iops() / q.iops());
        }
        Cleanup.deleteTree(dir);
    }

    private static Result ubd(Path dir, Path backing, Job job, int seconds) throws Exception {
        Path cow = dir.resolve("cow.img");
        Files.deleteIfExists(cow);
        UbdDriver driver = Servers.driver(); // as ubd serve runs it
        try (NbdServer server = new NbdServer(driver, List.of(UbdOptionParser.device("ubd0=" + cow + "," + backing)),
                ListenAddress.parse("unix:" + dir.resolve("ubd.sock")), line -> { }, System.err::println)) {
            server.start();
            return fio(dir, server.uri("ubda"), job, seconds);
        }
    }

    private static Result qemu(Path dir, Path backing, Job job, int seconds) throws Exception {
        Path overlay = dir.resolve("ov.qcow2");
        Path sock = dir.resolve("q.sock");
        Files.deleteIfExists(overlay);
        Files.deleteIfExists(sock);
        run(dir, List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", backing.toString(), "-F", "raw", overlay.toString()));
        Process nbd = new ProcessBuilder("qemu-nbd", "--socket=" + sock, "--format=qcow2", "--shared=4", "--persistent", overlay.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu-nbd.log").toFile()).start();
        try {
            for (int i = 0; i < 400 && !Files.exists(sock); i++) {
                if (!nbd.isAlive()) {
                    throw new IOException("qemu-nbd exited: " + Files.readString(dir.resolve("qemu-nbd.log")));
                }
                Thread.sleep(50);
            }
            if (!Files.exists(sock)) {
                throw new IOException("qemu-nbd made no socket in 20 s: " + Files.readString(dir.resolve("qemu-nbd.log")));
            }
            return fio(dir, "nbd+unix:///?socket=" + sock, job, seconds);
        } finally {
            nbd.destroy();
            nbd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Result fio(Path dir, String uri, Job job, int seconds) throws Exception {
        Path out = dir.resolve("fio.json");
        run(dir, List.of("fio", "--name=bench", "--ioengine=nbd", "--uri=" + uri, "--rw=" + job.rw(), "--bs=" + job.bs(),
                "--iodepth=" + job.iodepth(), "--time_based", "--runtime=" + seconds, "--ramp_time=1",
                "--output-format=json", "--output=" + out));
        JsonNode j = Json.mapper().readTree(out.toFile()).get("jobs").get(0);
        double iops = j.get("read").get("iops").asDouble() + j.get("write").get("iops").asDouble();
        double kib = j.get("read").get("bw").asDouble() + j.get("write").get("bw").asDouble();
        return new Result(iops, kib * 1024 / 1e6);
    }

    private static void run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("last-command.log").toFile()).start();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + Files.readString(dir.resolve("last-command.log")));
        }
    }

    private static void writeRandom(Path file, long size) throws IOException {
        Random rnd = new Random(1);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += chunk.length) {
                rnd.nextBytes(chunk);
                o.write(chunk, 0, (int) Math.min(chunk.length, size - done));
            }
        }
    }

}
