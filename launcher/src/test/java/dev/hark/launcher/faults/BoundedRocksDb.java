package dev.hark.launcher.faults;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * An experiment of the soak, not Hark's configuration: every RocksDB store of the JVM shares one
 * 16 MiB block cache that also holds the memtables (a write buffer manager of 8 MiB charged to it),
 * the bounded-memory recipe of the Kafka Streams memory management guide. With
 * {@code -Dhark.soak.boundedRocksDb=true} the soak gives it to the services
 * ({@code HARK_KAFKA_STREAMS_ROCKSDB_CONFIG_SETTER}), to tell RocksDB's default per-store memory
 * (a 50 MB block cache and up to three 16 MB memtables for each store) from a leak in the RSS.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
    private static final long CACHE_BYTES = 16L << 20;
    private static final long MEMTABLE_BYTES = 8L << 20;
    private static final Cache CACHE;
    private static final WriteBufferManager WRITE_BUFFERS;

    static {
        org.rocksdb.RocksDB.loadLibrary();
        CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
        WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(4L << 20);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store of the JVM: never closed here
    }
}
