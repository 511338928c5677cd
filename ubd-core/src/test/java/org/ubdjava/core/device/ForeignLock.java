package org.ubdjava.core.device;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;

/** A POSIX lock held by another process (python3's fcntl.lockf is fcntl(F_SETLK), as the kernel uses). */
public final class ForeignLock implements AutoCloseable {
    final Process process;
    public final boolean acquired;

    private ForeignLock(Process process, boolean acquired) {
        this.process = process;
        this.acquired = acquired;
    }

    /** Tries to lock the whole file; {@link #acquired} says whether it got it. */
    public static ForeignLock take(Path file, boolean exclusive) throws IOException {
        String script = "import fcntl,sys,time\n"
                + "f=open(sys.argv[1],'r+' if sys.argv[2]=='x' else 'r')\n"
                + "try:\n"
                + "  fcntl.lockf(f,(fcntl.LOCK_EX if sys.argv[2]=='x' else fcntl.LOCK_SH)|fcntl.LOCK_NB)\n"
                + "  print('locked',flush=True)\n"
                + "except OSError as e:\n"
                + "  print('busy',e.errno,flush=True); sys.exit(0)\n"
                + "time.sleep(120)\n";
        Process p = new ProcessBuilder("python3", "-c", script, file.toString(), exclusive ? "x" : "s")
                .redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        return new ForeignLock(p, "locked".equals(line));
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }
}
