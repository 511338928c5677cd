package org.ubdjava.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The lifecycle of {@link Export} carried out once for every protocol: a server says how it checks
 * its addresses, serves its attached disks, stops, and gives up a start that failed; the order
 * of those steps, the warm-up, the attaching, the driver's ownership and the wait for the close
 * are here.
 */
public abstract class AbstractExport implements Export {
    protected final UbdDriver driver;
    /** One line per event a person should see (a client's protocol error, a release). */
    protected final Consumer<String> log;
    /** Where attaching says what the kernel's driver would print: a server that attaches again says it there too. */
    protected final KernelLog kernelLog;
    private final List<UbdDeviceConfig> configs;
    private final CountDownLatch closed = new CountDownLatch(1);
    private long warmUpMillis;
    private boolean started;
    private volatile boolean closing;
    private List<Endpoint> endpoints = List.of();

    /**
     * @param kernelLog where attaching says what the kernel's driver would print ("Creating ...")
     * @param log       one line per event a person should see, from any of the server's threads
     */
    protected AbstractExport(UbdDriver driver, List<UbdDeviceConfig> configs, KernelLog kernelLog, Consumer<String> log) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("an export of no device");
        }
        this.driver = driver;
        this.configs = List.copyOf(configs);
        this.kernelLog = kernelLog;
        this.log = log;
    }

    /** Refuses, before any device is attached, an address the server could not listen on. */
    protected abstract void checkAddresses();

    /**
     * Listens and accepts, serving {@code disks} (attached, in the order given, the driver warm):
     * returns what a client needs to reach each. May leave things half made when it fails:
     * {@link #abandon} then undoes them.
     */
    protected abstract List<Endpoint> serve(List<Disk> disks) throws IOException;

    /**
     * The orderly stop up to the driver's close: stop accepting, answer what is in flight, make
     * every completed write durable, remove the sockets. Runs once, only after a start that succeeded.
     */
    protected abstract void stopServing() throws IOException;

    /** Undoes what a failed {@link #serve} made (sockets, descriptors, files); the driver's close releases the disks. */
    protected abstract void abandon();

    @Override
    public final synchronized Export warmUpFirst(long millis) {
        warmUpMillis = millis;
        return this;
    }

    @Override
    public final synchronized Export start() throws IOException {
        if (started || closing) {
            throw new IllegalStateException("an export starts once, before it is closed");
        }
        started = true;
        try {
            checkAddresses();
            List<Disk> disks = new ArrayList<>();
            for (UbdDeviceConfig c : configs) {
                disks.add(driver.attach(c, kernelLog));
            }
            Servers.warmUp(driver, warmUpMillis);
            endpoints = List.copyOf(serve(List.copyOf(disks)));
        } catch (IOException | RuntimeException | Error e) {
            closing = true;
            try {
                abandon();
            } finally {
                try {
                    driver.close();
                } finally {
                    closed.countDown();
                }
            }
            throw e;
        }
        return this;
    }

    @Override
    public final synchronized List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Whether {@link #close} has begun (or a start failed): a server's threads then finish what they hold and take nothing new. */
    protected final boolean closing() {
        return closing;
    }

    @Override
    public final void awaitClosed() throws InterruptedException {
        closed.await();
    }

    @Override
    public final synchronized void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (started) {
                stopServing();
            }
        } finally {
            try {
                driver.close();
            } finally {
                closed.countDown();
            }
        }
    }
}
