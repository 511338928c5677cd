package org.ubdjava.driver.cache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.ubdjava.core.device.HostFileTable.FileKey;
import org.ubdjava.driver.device.BlockDevice;

/**
 * The driver's caches, one per backing file identity (device and inode, so two paths to one file
 * share it), created by the first device over a backing file and freed with the last. Each is
 * bounded by {@link CacheConfig#bytesPerBacking()}. With {@link CacheConfig#perDevice()} each
 * device has its own instead.
 */
public final class BackingCaches {
    /** One device's share, for per-device statistics. */
    public record DeviceUse(String device, CacheStats stats) {
    }

    /** A backing file's cache at one moment: totals and the devices using it now. */
    public record Report(String backing, CachePolicy policy, long capacityBytes, int residentPages,
                         CacheStats total, List<DeviceUse> devices) {
    }

    private static final class Shared {
        final SharedPageCache cache;
        final Map<CachedBackingDevice, String> users = new LinkedHashMap<>();

        Shared(SharedPageCache cache) {
            this.cache = cache;
        }
    }

    private final CacheConfig config;
    /** By the backing file's identity, or one key per device for per-device caches. */
    private final Map<Object, Shared> byFile = new LinkedHashMap<>();

    public BackingCaches(CacheConfig config) {
        this.config = config;
    }

    public CacheConfig config() {
        return config;
    }

    /**
     * The backing device of {@code deviceName} through the shared cache of its file; the
     * device gives back its share when closed.
     */
    public synchronized BlockDevice wrap(FileKey key, String backingName, String deviceName, BlockDevice backing) {
        if (!config.enabled()) {
            return backing;
        }
        Object owner = config.perDevice() ? new Object() : key; // per device: a key of its own
        Shared shared = byFile.computeIfAbsent(owner, k -> new Shared(new SharedPageCache(backingName, config.policy(), config.pages())));
        CachedBackingDevice[] self = new CachedBackingDevice[1];
        self[0] = new CachedBackingDevice(backing, shared.cache, config.readAheadPages(), () -> release(owner, self[0]));
        shared.users.put(self[0], deviceName);
        return self[0];
    }

    private synchronized void release(Object key, CachedBackingDevice device) {
        Shared shared = byFile.get(key);
        if (shared != null && shared.users.remove(device) != null && shared.users.isEmpty()) {
            byFile.remove(key);
            shared.cache.close();
        }
    }

    /** The cache of each backing file in use, with per-device counts; readable while running. */
    public synchronized List<Report> report() {
        List<Report> out = new ArrayList<>();
        for (Shared s : byFile.values()) {
            List<DeviceUse> uses = new ArrayList<>();
            s.users.forEach((dev, name) -> uses.add(new DeviceUse(name, dev.stats())));
            out.add(new Report(s.cache.name(), s.cache.policy(), s.cache.capacityBytes(), s.cache.residentPages(),
                    s.cache.stats(), uses));
        }
        return out;
    }

    /** Sum over every backing file's cache. */
    public synchronized CacheStats total() {
        CacheStats t = CacheStats.zero();
        for (Shared s : byFile.values()) {
            t = t.plus(s.cache.stats());
        }
        return t;
    }
}
