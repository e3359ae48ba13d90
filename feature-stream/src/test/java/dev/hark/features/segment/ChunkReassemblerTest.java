package dev.hark.features.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ChunkReassemblerTest {

    static ChunkReassembler.Chunk chunk(long seq) {
        short[] pcm = new short[100];
        java.util.Arrays.fill(pcm, (short) seq);
        return new ChunkReassembler.Chunk(seq, seq * 100, pcm, 1000 + seq);
    }

    static List<Long> starts(List<ChunkReassembler.Piece> pieces) {
        List<Long> out = new ArrayList<>();
        for (ChunkReassembler.Piece p : pieces) {
            out.add(p instanceof ChunkReassembler.Samples s ? s.startSample() : -((ChunkReassembler.Gap) p).fromSample() - 1);
        }
        return out;
    }

    @Test
    void inOrderChunksPassStraightThrough() {
        ChunkReassembler r = new ChunkReassembler(10, 500);
        List<ChunkReassembler.Piece> out = new ArrayList<>();
        for (long s = 0; s < 5; s++) {
            out.addAll(r.accept(chunk(s), 0).pieces());
        }
        assertEquals(List.of(0L, 100L, 200L, 300L, 400L), starts(out));
    }

    @Test
    void outOfOrderChunksWaitForTheMissingOne() {
        ChunkReassembler r = new ChunkReassembler(10, 500);
        assertEquals(List.of(0L), starts(r.accept(chunk(0), 0).pieces()));
        assertEquals(List.of(), starts(r.accept(chunk(2), 1).pieces()));
        assertEquals(List.of(), starts(r.accept(chunk(3), 2).pieces()));
        assertEquals(List.of(100L, 200L, 300L), starts(r.accept(chunk(1), 3).pieces()));
    }

    @Test
    void duplicatesAreDroppedAndReported() {
        ChunkReassembler r = new ChunkReassembler(10, 500);
        r.accept(chunk(0), 0);
        r.accept(chunk(2), 0);
        assertTrue(r.accept(chunk(0), 0).duplicate(), "already released");
        assertTrue(r.accept(chunk(2), 0).duplicate(), "already waiting");
        assertFalse(r.accept(chunk(1), 0).duplicate());
    }

    @Test
    void aChunkThatNeverComesBecomesAGapAfterTheWait() {
        ChunkReassembler r = new ChunkReassembler(10, 500);
        r.accept(chunk(0), 0);
        r.accept(chunk(2), 100);
        r.accept(chunk(3), 150);
        assertEquals(List.of(), starts(r.onTimer(599)));
        List<ChunkReassembler.Piece> released = r.onTimer(600);
        assertEquals(new ChunkReassembler.Gap(100, 200), released.get(0));
        assertEquals(List.of(-101L, 200L, 300L), starts(released));
        assertTrue(r.accept(chunk(1), 700).duplicate(), "too late: its place has passed");
    }

    @Test
    void tooManyWaitingChunksForceTheGap() {
        ChunkReassembler r = new ChunkReassembler(3, 60_000);
        r.accept(chunk(0), 0);
        for (long s = 2; s <= 4; s++) {
            assertEquals(List.of(), r.accept(chunk(s), 0).pieces());
        }
        assertEquals(List.of(-101L, 200L, 300L, 400L, 500L), starts(r.accept(chunk(5), 0).pieces()));
    }

    @Test
    void overlappingAudioIsTrimmed() {
        ChunkReassembler r = new ChunkReassembler(3, 500);
        r.accept(chunk(0), 0);
        short[] pcm = new short[100];
        ChunkReassembler.Samples s = (ChunkReassembler.Samples) r.accept(
                new ChunkReassembler.Chunk(1, 50, pcm, 0), 0).pieces().get(0);
        assertEquals(100, s.startSample());
        assertEquals(50, s.pcm().length);
    }
}
