package org.ubdjava.realtools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * The real User-Mode Linux kernel (Debian's user-mode-linux, linux.uml 6.1) as an oracle: boots it
 * with the host's root file system over hostfs, runs a shell script inside the guest, powers off,
 * and returns what the script printed, its exit status, and the ubd driver's kernel messages.
 *
 * <p>On hosts whose XSAVE area is larger than UML 6.1 expects (AMX), the kernel panics at the first
 * process ("ptrace set fp regs failed, errno = 14"): a small LD_PRELOAD shim, built here with gcc,
 * makes its XSTATE ptrace calls use the host's full buffer. The driver code is untouched.
 *
 * <p>Main code, not test code: the interop tests use it, and so does {@code ubd bench}, which runs
 * fio in the guest to measure the real driver beside ours.
 */
public final class UmlKernel {
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static volatile Optional<UmlKernel> found;
    private static volatile String unavailable;

    private final Path kernel;
    private final Path shim;

    /**
     * @param kernelMessages the ubd driver's lines of dmesg
     * @param dmesg          all of the guest's kernel log (for failure messages)
     */
    public record Result(int exit, String out, List<String> kernelMessages, String dmesg) {
    }

    private UmlKernel(Path kernel, Path shim) {
        this.kernel = kernel;
        this.shim = shim;
    }

    /** The kernel, if installed and able to boot here; {@link #whyUnavailable()} says why not. */
    public static synchronized Optional<UmlKernel> get() {
        if (found == null) {
            found = probe();
        }
        return found;
    }

    public static String whyUnavailable() {
        return unavailable;
    }

    private static Optional<UmlKernel> probe() {
        Optional<Path> k = Processes.onPath("linux.uml");
        if (k.isEmpty()) {
            unavailable = "linux.uml is not installed (apt-get install -y user-mode-linux)";
            return Optional.empty();
        }
        Path shim = buildShim();
        UmlKernel uml = new UmlKernel(k.get(), shim);
        try {
            Result r = uml.run("echo booted", List.of(), 60);
            if (r.exit() == 0 && r.out().contains("booted")) {
                return Optional.of(uml);
            }
            unavailable = "linux.uml does not boot on this host (exit " + r.exit() + "): " + r.out().strip();
        } catch (RuntimeException e) {
            unavailable = "linux.uml does not boot on this host: " + e.getMessage();
        }
        return Optional.empty();
    }

    /** Compiles the XSTATE shim once per machine; null when there is no compiler (then the kernel runs bare). */
    private static Path buildShim() {
        if (Processes.onPath("gcc").isEmpty()) {
            return null;
        }
        try (InputStream src = UmlKernel.class.getResourceAsStream("/uml/uml_xstate_shim.c")) {
            byte[] code = src.readAllBytes();
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "ubd-java-uml-shim-" + Integer.toHexString(java.util.Arrays.hashCode(code)));
            Path so = dir.resolve("uml_xstate_shim.so");
            if (Files.exists(so)) {
                return so;
            }
            Files.createDirectories(dir);
            Path c = Files.write(dir.resolve("uml_xstate_shim.c"), code);
            Path tmp = dir.resolve("uml_xstate_shim.so." + ProcessHandle.current().pid());
            Processes.Result gcc = Processes.run(dir, List.of("gcc", "-O2", "-shared", "-fPIC", "-o", tmp.toString(), c.toString(), "-ldl"), 120);
            if (gcc.exit() != 0) {
                return null;
            }
            Files.move(tmp, so, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return so;
        } catch (IOException e) {
            return null;
        }
    }

    /** The kernel binary (linux.uml). */
    public Path binary() {
        return kernel;
    }

    /**
     * The environment a linux.uml process needs on this host: LD_PRELOAD of the XSTATE shim where
     * the host needs it (AMX), nothing otherwise.
     */
    public java.util.Map<String, String> environment() {
        return shim == null ? java.util.Map.of() : java.util.Map.of("LD_PRELOAD", shim.toString());
    }

    /**
     * Boots, runs {@code script} with /bin/sh in the guest, and powers off.
     *
     * @param ubdArgs kernel arguments such as {@code ubd0=cow.img,backing.img} or
     *                {@code virtio_uml.device=SOCKET:2}, passed as they are
     */
    public Result run(String script, List<String> ubdArgs, int timeoutSeconds) {
        return run(script, ubdArgs, timeoutSeconds, "256M");
    }

    /** As {@link #run(String, List, int)} with the guest's memory, e.g. "512M" (fio's libraries need it). */
    public Result run(String script, List<String> ubdArgs, int timeoutSeconds, String mem) {
        return run(script, ubdArgs, timeoutSeconds, mem, p -> { });
    }

    /**
     * As {@link #run(String, List, int, String)}, telling {@code started} the kernel's process once it
     * runs (a test that kills a guest in the middle of its work).
     */
    public Result run(String script, List<String> ubdArgs, int timeoutSeconds, String mem,
                      java.util.function.Consumer<ProcessHandle> started) {
        Path dir;
        try {
            dir = Files.createTempDirectory("ubd-uml-run");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            Path guest = Files.writeString(dir.resolve("guest.sh"), script);
            Path boot = dir.resolve("boot");
            Files.writeString(boot, "#!/bin/sh\n"
                    + "mount -t proc proc /proc 2>/dev/null\n"
                    + "sh " + guest + " >" + dir.resolve("out") + " 2>&1; echo $? >" + dir.resolve("rc") + "\n"
                    + "dmesg >" + dir.resolve("kmsg") + "\n"
                    + "sync; poweroff -f\n");
            Files.setPosixFilePermissions(boot, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> cmd = new ArrayList<>(List.of(kernel.toString(), "mem=" + mem,
                    "umid=ubdj" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet(), "uml_dir=" + dir));
            cmd.addAll(ubdArgs);
            cmd.addAll(List.of("root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw", "init=" + boot,
                    "con=null", "con0=null"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(dir.resolve("console").toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (shim != null) {
                pb.environment().put("LD_PRELOAD", shim.toString());
            }
            Process p = pb.start();
            started.accept(p.toHandle());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                Processes.kill(p);
                return new Result(-1, read(dir.resolve("out")), kernelMessages(dir), read(dir.resolve("kmsg")));
            }
            // UML's helper processes may outlive the main one for a moment
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            String rc = read(dir.resolve("rc")).strip();
            if (rc.isEmpty()) {
                String console = read(dir.resolve("console"));
                throw new IllegalStateException("the guest did not finish: "
                        + console.substring(Math.max(0, console.length() - 600)).replace('\n', ' '));
            }
            return new Result(Integer.parseInt(rc), read(dir.resolve("out")), kernelMessages(dir), read(dir.resolve("kmsg")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** The ubd driver's lines from dmesg, without timestamps. */
    private static List<String> kernelMessages(Path dir) {
        List<String> out = new ArrayList<>();
        for (String line : read(dir.resolve("kmsg")).split("\n")) {
            String l = line.replaceFirst("^\\[[ 0-9.]*\\] ", "");
            if (l.matches(".*(ubd|mismatch|COW|[Ll]ock|Switching|[Bb]acking).*")
                    && !l.matches(".*(command line|clocksource|bsg|JFS).*")) {
                out.add(l);
            }
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The guest's scratch directory, gone; what cannot be deleted stays (a leftover in /tmp is harmless). */
    private static void deleteQuietly(Path dir) {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // nothing to delete, or not all of it
        }
    }

    /** Where Debian's user-mode-linux keeps the guest's virtio_blk module, under the guest's own uname -r (a shell word). */
    public static final String VIRTIO_BLK_MODULE = "/usr/lib/uml/modules/$(uname -r)/kernel/drivers/block/virtio_blk.ko";
}
