package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.testsupport.Exec;

import com.fasterxml.jackson.databind.JsonNode;

/** The real clients against our server: nbdinfo, qemu-io, qemu-img, nbdcopy, fio. Each skips with a notice when missing. */
@Timeout(180)
class NbdClientsInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Exec.Result run(Path cwd, String... cmd) {
        Exec.Result r = Exec.run(cwd, List.of(cmd), 120);
        assertEquals(0, r.exit(), String.join(" ", cmd) + "\n" + r.both());
        return r;
    }

    @Test
    void nbdinfoShowsExportsSizesAndFlags() throws IOException {
        String nbdinfo = NbdFixture.tool("nbdinfo", getClass().getSimpleName());
        try (NbdFixture f = new NbdFixture(dir)) {
            String list = run(dir, nbdinfo, "--list", f.uri("")).out();
            for (String name : new String[] {"ubda", "ubdb", "ubdc"}) {
                assertTrue(list.contains("export=\"" + name + "\""), list);
            }
            JsonNode a = export(run(dir, nbdinfo, "--json", f.uri("ubda")).out());
            assertEquals(NbdFixture.SIZE, a.get("export-size").asLong());
            assertEquals(false, a.get("is_read_only").asBoolean());
            assertEquals(true, a.get("can_trim").asBoolean());
            assertEquals(true, a.get("can_zero").asBoolean());
            assertEquals(true, a.get("can_flush").asBoolean());
            assertEquals(true, a.get("can_multi_conn").asBoolean());
            assertEquals(true, a.get("can_fua").asBoolean());
            assertEquals(true, a.get("can_fast_zero").asBoolean());
            assertEquals(true, a.get("can_cache").asBoolean());
            assertEquals(512, a.get("block_size_minimum").asInt());
            JsonNode b = export(run(dir, nbdinfo, "--json", f.uri("ubdb")).out());
            assertEquals(true, b.get("is_read_only").asBoolean());
            assertEquals(false, b.get("can_trim").asBoolean());
            JsonNode c = export(run(dir, nbdinfo, "--json", f.uri("ubdc")).out());
            assertEquals(false, c.get("is_read_only").asBoolean());
            assertEquals(false, c.get("can_trim").asBoolean(), "'t'");
            assertEquals(false, c.get("can_zero").asBoolean(), "'t'");
            assertEquals(false, c.get("can_fast_zero").asBoolean(), "'t'");
            // the empty name is the first export
            assertEquals(NbdFixture.SIZE, export(run(dir, nbdinfo, "--json", f.uri("")).out()).get("export-size").asLong());
        }
    }

    private static JsonNode export(String json) throws IOException {
        return JSON.readTree(json).get("exports").get(0);
    }

    /** qemu-io writes and reads back patterns; qemu-img convert gives exactly what merging the COW file gives. */
    @Test
    void qemuWritesAndConvertEqualsTheMerge() throws IOException {
        NbdFixture.Qemu qemu = NbdFixture.qemu(getClass().getSimpleName());
        Path converted = dir.resolve("out.img");
        try (NbdFixture f = new NbdFixture(dir)) {
            String uri = f.uri("ubda");
            Exec.Result w = run(dir, qemu.io(), "-f", "raw", uri, "-c", "write -P 0xab 4096 8192", "-c", "read -P 0xab 4096 8192",
                    "-c", "write -P 0x5c 1048576 65536", "-c", "write -z 2097152 131072", "-c", "discard 3145728 65536",
                    "-c", "read -P 0 2097152 131072", "-c", "flush");
            assertTrue(!w.both().contains("failed"), w.both());
            Exec.Result ro = Exec.run(dir, List.of(qemu.io(), "-f", "raw", f.uri("ubdb"), "-c", "write -P 1 0 512"));
            assertTrue(ro.exit() != 0 || ro.both().contains("failed") || ro.both().contains("read-only") || ro.both().contains("ermission"),
                    "a write to the read-only export fails: " + ro.both());
            run(dir, qemu.img(), "convert", "-f", "raw", "-O", "raw", uri, converted.toString());
        }
        Path merged = dir.resolve("merged.img");
        CowMerger.mergeInto(dir.resolve("cow.img"), null, merged, done -> { });
        byte[] out = Files.readAllBytes(converted);
        assertArrayEquals(Files.readAllBytes(merged), out);
        byte[] ab = new byte[8192];
        Arrays.fill(ab, (byte) 0xab);
        assertArrayEquals(ab, Arrays.copyOfRange(out, 4096, 4096 + 8192));
    }

    @Test
    void overTcpOnLoopback() throws IOException {
        String qemuIo = NbdFixture.tool("qemu-io", getClass().getSimpleName());
        try (NbdFixture f = new NbdFixture(dir, "tcp:127.0.0.1:0")) {
            String uri = f.uri("ubda");
            assertTrue(uri.startsWith("nbd://127.0.0.1:"), uri);
            Exec.Result r = run(dir, qemuIo, "-f", "raw", uri, "-c", "write -P 0x11 0 65536", "-c", "read -P 0x11 0 65536");
            assertTrue(!r.both().contains("failed"), r.both());
        }
    }

    @Test
    void nbdcopyCopiesWholeExports() throws IOException {
        String nbdcopy = NbdFixture.tool("nbdcopy", getClass().getSimpleName());
        String qemuIo = NbdFixture.tool("qemu-io", getClass().getSimpleName());
        Path copyA = dir.resolve("a.img");
        Path copyB = dir.resolve("b.img");
        try (NbdFixture f = new NbdFixture(dir)) {
            run(dir, qemuIo, "-f", "raw", f.uri("ubda"), "-c", "write -P 0x77 65536 262144");
            run(dir, nbdcopy, f.uri("ubda"), copyA.toString());
            run(dir, nbdcopy, f.uri("ubdb"), copyB.toString());
            // and back in: nbdcopy writes a file into the export with several connections at once
            Path incoming = dir.resolve("in.img");
            byte[] in = Files.readAllBytes(f.backing);
            for (int i = 0; i < in.length; i += 3) {
                in[i] ^= 0x5a;
            }
            Files.write(incoming, in);
            run(dir, nbdcopy, incoming.toString(), f.uri("ubdc"));
            Path back = dir.resolve("c.img");
            run(dir, nbdcopy, f.uri("ubdc"), back.toString());
            assertArrayEquals(in, Files.readAllBytes(back));
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("back.img")), Files.readAllBytes(copyB));
        Path merged = dir.resolve("merged.img");
        CowMerger.mergeInto(dir.resolve("cow.img"), null, merged, done -> { });
        assertArrayEquals(Files.readAllBytes(merged), Files.readAllBytes(copyA));
    }

    @Test
    void fioRandomReadWriteCompletesWithoutErrors() throws IOException {
        String fio = NbdFixture.tool("fio", getClass().getSimpleName());
        if (!Exec.run(dir, List.of(fio, "--enghelp")).out().contains("nbd")) {
            System.err.println("*** NBD INTEROP TESTS SKIPPED in " + getClass().getSimpleName() + ": fio has no nbd engine");
            org.junit.jupiter.api.Assumptions.abort("fio without nbd engine");
        }
        try (NbdFixture f = new NbdFixture(dir)) {
            List<String> cmd = new ArrayList<>(List.of(fio, "--name=nbd", "--ioengine=nbd", "--uri=" + f.uri("ubda"),
                    "--rw=randrw", "--bs=4k", "--iodepth=16", "--time_based", "--runtime=2", "--size=" + NbdFixture.SIZE,
                    "--output-format=json", "--output=" + dir.resolve("fio.json")));
            run(dir, cmd.toArray(String[]::new)); // the nbd engine prints its own line on stdout: the report goes to a file
            JsonNode job = JSON.readTree(dir.resolve("fio.json").toFile()).get("jobs").get(0);
            assertEquals(0, job.get("error").asInt());
            assertTrue(job.get("read").get("io_bytes").asLong() > 0);
            assertTrue(job.get("write").get("io_bytes").asLong() > 0);
            assertTrue(f.log.isEmpty(), f.log.toString());
        }
    }
    /** Data or not, run by run, adjacent runs of the same kind merged: what base:allocation can say of a device. */
    record Run(long start, long length, boolean data) {
    }

    static List<Run> merged(List<Run> in) {
        List<Run> out = new ArrayList<>();
        for (Run r : in) {
            Run last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.data() == r.data() && last.start() + last.length() == r.start()) {
                out.set(out.size() - 1, new Run(last.start(), last.length() + r.length(), r.data()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Block status over NBD is the device's extents: nbdinfo --map and qemu-img map of the export
     * show exactly the data and holes that ubd map shows of the COW file, with COW data written over
     * backing data and over backing holes, zeroed and discarded ranges, and untouched backing data
     * and holes.
     */
    @Test
    void nbdinfoMapAndQemuImgMapAgreeWithUbdMap() throws IOException {
        String nbdinfo = NbdFixture.tool("nbdinfo", getClass().getSimpleName());
        NbdFixture.Qemu qemu = NbdFixture.qemu(getClass().getSimpleName());
        List<Run> viaNbdinfo = new ArrayList<>();
        List<Run> viaQemuImg = new ArrayList<>();
        try (NbdFixture f = new NbdFixture(dir)) {
            String uri = f.uri("ubda");
            run(dir, qemu.io(), "-f", "raw", uri, "-c", "write -P 0x11 0 65536", "-c", "write -P 0x22 2097152 1048576",
                    "-c", "write -z 4194304 131072", "-c", "discard 5242880 65536", "-c", "write -P 0x33 8257536 131072", "-c", "flush");
            for (JsonNode e : JSON.readTree(run(dir, nbdinfo, "--map", "--json", uri).out())) {
                viaNbdinfo.add(new Run(e.get("offset").asLong(), e.get("length").asLong(), (e.get("type").asInt() & 1) == 0));
            }
            for (JsonNode e : JSON.readTree(run(dir, qemu.img(), "map", "--output=json", "-f", "raw", uri).out())) {
                viaQemuImg.add(new Run(e.get("start").asLong(), e.get("length").asLong(), e.get("data").asBoolean()));
            }
        }
        List<Run> ubdMap = new ArrayList<>();
        boolean cowData = false;
        boolean backingHole = false;
        try (CowFile cow = CowFile.open(dir.resolve("cow.img"))) {
            for (CowInspector.Extent e : CowInspector.map(cow)) {
                ubdMap.add(new Run(e.start(), e.length(), e.data()));
                cowData |= e.source().equals("cow") && e.data();
                backingHole |= e.source().equals("backing") && !e.data();
            }
        }
        assertTrue(cowData && backingHole, "the COW file holds data and the backing file has holes: " + ubdMap);
        assertTrue(merged(ubdMap).size() > 10, "enough runs to tell maps apart: " + merged(ubdMap));
        assertEquals(merged(ubdMap), merged(viaNbdinfo), "nbdinfo --map");
        assertEquals(merged(ubdMap), merged(viaQemuImg), "qemu-img map over NBD");
    }
}
