package org.ubdjava.driver.crash;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.device.DeviceFiles;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.CowDevice;
import org.ubdjava.driver.stack.DeviceStack;

/**
 * What a crash leaves. A random workload runs through the real device layers while every COW-file
 * operation is recorded; then, for every cut point of the record, the file a crash there would
 * leave is rebuilt in memory and read with an independent decoder (header, bitmap, per-sector
 * source), and a sample of them through the real open-and-read stack.
 *
 * <ul>
 * <li>Process crash, or the 's' flag (every write durable before it completes, in order): any
 *     prefix of the record. Every acknowledged write reads its data; the one in progress reads its
 *     old or its new content; no bit claims data that was not written.</li>
 * <li>Power cut without 's': operations since the last sync may reach the disk in any subset
 *     (whole operations; torn pages are not modelled). Every sector not touched since the last
 *     completed flush reads what it held then: nothing acknowledged before a flush is lost. A
 *     sector touched since reads one of its contents since that flush, or zeros where its bit
 *     landed before its data (the hazard the kernel has too; a flush is the barrier).</li>
 * </ul>
 */
class CrashConsistencyTest {

    @TempDir
    Path dir;

    /** One device-level request of the workload and the span of file operations it made. */
    record Request(int firstSector, int sectors, byte[] data, boolean flush, int opsFrom, int opsTo) {
        boolean touches(int s) {
            return !flush && s >= firstSector && s < firstSector + sectors;
        }

        /** The sector's content after this request: its data, or zeros for a discard/write-zeroes. */
        byte[] content(int s) {
            return data == null ? new byte[SECTOR] : Arrays.copyOfRange(data, (s - firstSector) * SECTOR, (s - firstSector + 1) * SECTOR);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {31, 32, 33, 34})
    void everyCutLeavesAConsistentDevice(long seed) throws Exception {
        Random rnd = new Random(seed);
        int sectors = 128 + rnd.nextInt(512);
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), (long) sectors * SECTOR, rnd);
        byte[] backing = Arrays.copyOf(Files.readAllBytes(back), sectors * SECTOR);
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        byte[] initial = Files.readAllBytes(cow);

        List<Request> requests = new ArrayList<>();
        RecordingIo io;
        try (DeviceFiles files = new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD)
                .open(UbdDeviceConfig.of(0, cow.toString(), null, null, UbdFlags.NONE))) {
            io = new RecordingIo(new ChannelIo(files.image().channel()));
            CowDevice dev = DeviceStack.cow(files, io);
            for (int i = 0; i < 120; i++) {
                int first = rnd.nextInt(sectors);
                int n = 1 + rnd.nextInt(Math.min(sectors - first, rnd.nextBoolean() ? 4 : 40));
                int from = io.ops.size();
                int kind = rnd.nextInt(10);
                if (kind == 0) {
                    dev.flush();
                    requests.add(new Request(0, 0, null, true, from, io.ops.size()));
                } else if (kind == 1) {
                    if (rnd.nextBoolean()) {
                        dev.discard((long) first * SECTOR, (long) n * SECTOR);
                    } else {
                        dev.writeZeroes((long) first * SECTOR, (long) n * SECTOR, false);
                    }
                    requests.add(new Request(first, n, null, false, from, io.ops.size()));
                } else {
                    byte[] data = new byte[n * SECTOR];
                    rnd.nextBytes(data);
                    dev.write((long) first * SECTOR, ByteBuffer.wrap(data));
                    requests.add(new Request(first, n, data, false, from, io.ops.size()));
                }
            }
        }
        List<RecordingIo.Op> ops = io.ops;
        assertTrue(ops.size() > 150, "a record worth cutting: " + ops.size());

        int checked = 0;
        for (int cut = 0; cut <= ops.size(); cut++) {
            byte[] file = apply(initial, ops, cut, null);
            checkPrefix(file, backing, requests, cut);
            if (cut % 40 == 0) {
                checkThroughTheDriver(file, back, cut, read(file, backing));
            }
            checked++;
        }
        for (int cut = 0; cut <= ops.size(); cut++) {
            int lastSync = lastSyncBefore(ops, cut);
            boolean[] keep = new boolean[ops.size()];
            for (int i = 0; i < cut; i++) {
                keep[i] = i <= lastSync || rnd.nextBoolean();
            }
            byte[] file = apply(initial, ops, cut, keep);
            checkReordered(file, backing, requests, lastSync);
            checked++;
        }
        assertTrue(checked > 300, "cut points checked: " + checked);
    }

    static int lastSyncBefore(List<RecordingIo.Op> ops, int cut) {
        for (int i = cut - 1; i >= 0; i--) {
            if (ops.get(i) instanceof RecordingIo.Sync) {
                return i;
            }
        }
        return -1;
    }

    /** The COW file after operations {@code [0, cut)} (those with {@code keep} set, if given) reached the disk. */
    static byte[] apply(byte[] initial, List<RecordingIo.Op> ops, int cut, boolean[] keep) {
        byte[] f = initial.clone();
        for (int i = 0; i < cut; i++) {
            if (keep != null && !keep[i]) {
                continue;
            }
            RecordingIo.Op op = ops.get(i);
            if (op instanceof RecordingIo.Write w) {
                int end = (int) w.position() + w.data().length;
                if (end > f.length) {
                    f = Arrays.copyOf(f, end);
                }
                System.arraycopy(w.data(), 0, f, (int) w.position(), w.data().length);
            } else if (op instanceof RecordingIo.Punch p) {
                Arrays.fill(f, (int) Math.min(f.length, p.offset()), (int) Math.min(f.length, p.offset() + p.length()), (byte) 0);
            }
        }
        return f;
    }

    /** An independent reading of a COW file's device: the header's geometry, the bitmap's bits, each sector from where it lives. */
    static byte[] read(byte[] cowFile, byte[] backing) {
        CowGeometry g = CowHeaderReader.decode(ByteBuffer.wrap(cowFile)).geometry();
        byte[] dev = backing.clone();
        for (int s = 0; s < dev.length / SECTOR; s++) {
            int bit = cowFile[(int) g.bitmapOffset() + (s >> 3)] >> (s & 7) & 1;
            if (bit == 1) {
                int at = (int) g.dataOffsetOf(s);
                Arrays.fill(dev, s * SECTOR, (s + 1) * SECTOR, (byte) 0);
                if (at < cowFile.length) {
                    System.arraycopy(cowFile, at, dev, s * SECTOR, Math.min(SECTOR, cowFile.length - at));
                }
            }
        }
        return dev;
    }

    private static void checkPrefix(byte[] file, byte[] backing, List<Request> requests, int cut) {
        byte[] dev = read(file, backing);
        for (int s = 0; s < backing.length / SECTOR; s++) {
            byte[] acknowledged = Arrays.copyOfRange(backing, s * SECTOR, (s + 1) * SECTOR);
            byte[] inProgress = null;
            for (Request r : requests) {
                if (r.opsTo() <= cut && r.touches(s)) {
                    acknowledged = r.content(s);
                } else if (r.opsFrom() < cut && r.touches(s)) {
                    inProgress = r.content(s);
                }
            }
            byte[] got = Arrays.copyOfRange(dev, s * SECTOR, (s + 1) * SECTOR);
            if (!Arrays.equals(got, acknowledged) && !Arrays.equals(got, inProgress)) {
                fail("cut " + cut + ": sector " + s + " reads neither its acknowledged content nor the write in progress");
            }
        }
    }

    private static void checkReordered(byte[] file, byte[] backing, List<Request> requests, int lastSync) {
        byte[] dev = read(file, backing);
        for (int s = 0; s < backing.length / SECTOR; s++) {
            byte[] flushed = Arrays.copyOfRange(backing, s * SECTOR, (s + 1) * SECTOR);
            Set<String> since = new HashSet<>();
            for (Request r : requests) {
                if (!r.touches(s)) {
                    continue;
                }
                if (r.opsTo() <= lastSync + 1) {
                    flushed = r.content(s);
                } else if (r.opsFrom() <= lastSync && r.opsTo() > lastSync + 1) {
                    since.add(Arrays.toString(r.content(s)));
                } else if (r.opsFrom() > lastSync) {
                    since.add(Arrays.toString(r.content(s)));
                }
            }
            byte[] got = Arrays.copyOfRange(dev, s * SECTOR, (s + 1) * SECTOR);
            if (since.isEmpty()) {
                assertArrayEquals(flushed, got, "sector " + s + " was flushed and never touched again: it must not change");
            } else if (!Arrays.equals(got, flushed) && !since.contains(Arrays.toString(got)) && !Arrays.equals(got, new byte[SECTOR])) {
                fail("sector " + s + " reads something never written to it since the flush");
            }
        }
    }

    /** The rebuilt file opened by the real stack (header parse, bitmap read, COW layer) reads as the decoder says. */
    private void checkThroughTheDriver(byte[] file, Path back, int cut, byte[] expected) throws IOException {
        Path crashed = dir.resolve("crashed-" + cut + ".img");
        Files.write(crashed, file);
        try (DeviceFiles files = new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD)
                .open(UbdDeviceConfig.of(0, crashed.toString(), back.toString(), null, UbdFlags.fromLetters("r")))) {
            CowDevice dev = DeviceStack.cow(files, new ChannelIo(files.image().channel()));
            ByteBuffer b = ByteBuffer.allocate(expected.length);
            dev.read(0, b);
            assertArrayEquals(expected, b.array(), "cut " + cut + " through the driver");
        } finally {
            Files.delete(crashed);
        }
    }

    static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.READ);
    }
}
