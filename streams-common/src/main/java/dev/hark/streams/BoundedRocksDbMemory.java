package dev.hark.streams;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Every RocksDB store of a Hark service shares one 16 MiB block cache, and the stores' memtables are
 * charged to that same cache (an 8 MiB write buffer manager): the bounded-memory recipe of the Kafka
 * Streams memory management guide. Why: RocksDB's defaults give each store its own 50 MB block cache
 * and up to three 16 MB memtables, outside the JVM heap; in the 10-minute soak this showed as RSS
 * growing 0.6–3.6 MB/min while the heap stayed flat, and with this setter RSS was flat
 * (docs/faults.md). Hark's stores are small (a few hundred KiB per open device, model bytes), so the
 * cap costs no measurable throughput.
 *
 * <p>Set by {@link dev.hark.streams.StreamApps#baseConfig}; {@code HARK_KAFKA_STREAMS_ROCKSDB_CONFIG_SETTER}
 * replaces it. The cache and the write buffer manager live as long as the JVM: a store's
 * {@link #close} must not close what other stores still use.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** Block cache shared by all stores of the JVM; it also holds the memtables. */
    public static final long CACHE_BYTES = 16L << 20;
    /** The part of the cache memtables may take before RocksDB flushes them. */
    public static final long MEMTABLE_BYTES = 8L << 20;

    private static final class Shared {
        static final Cache CACHE;
        static final WriteBufferManager WRITE_BUFFERS;

        static {
            RocksDB.loadLibrary();
            CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
            WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(Shared.CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(Shared.WRITE_BUFFERS);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(4L << 20);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // shared by every store of the JVM (see the class comment): nothing to close per store
    }
}
