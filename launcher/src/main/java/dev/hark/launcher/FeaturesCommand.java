package dev.hark.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.hark.audio.dsp.FeatureReport;
import dev.hark.audio.dsp.FeatureSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hark features FILE.wav}: the log-mel features the model would see, as text, JSON or a picture. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {"Show the log-mel features of a WAV file, computed by the same code the feature stream "
                + "and the trainer use: the configuration, the matrix shape and its value range.",
                "",
                "FILE.wav is a path, or the name of a recording in the dataset (--data DIR; " + DataDir.DEFAULTS
                        + "), e.g. `hark features 7_theo_30.wav`.",
                "--json writes {\"config\": {...}, \"mel\": [[...]], \"log_mel\": [[...]]}: `config` uses "
                        + "torchaudio.transforms.MelSpectrogram's argument names plus Hark's own keys; `mel` is the "
                        + "mel power before log and normalisation ([n_mels][n_frames], at the feature rate, before "
                        + "fitting to the clip length); `log_mel` is exactly what the model sees."})
final class FeaturesCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE.wav", description = "A WAV file: PCM 8/16/24/32-bit or float, any channels and rate.")
    Path wav;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Where to look for FILE.wav when it is not a path to a file (" + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the configuration and both matrices as JSON.")
    Path json;

    @Option(names = "--png", paramLabel = "OUT.png", description = "Draw the spectrogram (time in s, mel band, colour bar).")
    Path png;

    @Override
    public Integer call() throws Exception {
        Path file = find(wav, data);
        FeatureReport report = FeatureReport.of(file, FeatureSpec.defaults());
        System.out.println(report.summary());
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        if (png != null) {
            report.writePng(png);
            System.out.println("wrote " + png);
        }
        return ExitCodes.OK;
    }

    /** {@code wav} when it is a file, else the recording of that name in the dataset. */
    static Path find(Path wav, Path data) throws java.io.IOException {
        if (Files.isRegularFile(wav)) {
            return wav;
        }
        if (wav.getNameCount() == 1) {
            Path dataset = DataDir.choose(data);
            if (Files.isDirectory(dataset)) {
                try (java.util.stream.Stream<Path> walk = Files.walk(dataset, 3)) {
                    var found = walk.filter(p -> p.getFileName().equals(wav) && Files.isRegularFile(p)).sorted().findFirst();
                    if (found.isPresent()) {
                        return found.get();
                    }
                }
            } else if (data != null) {
                throw DataDir.missing(dataset);
            }
            throw new IllegalArgumentException("no such file: " + wav + " (nor a recording of that name in " + dataset + ")");
        }
        throw new IllegalArgumentException("no such file: " + wav);
    }
}
