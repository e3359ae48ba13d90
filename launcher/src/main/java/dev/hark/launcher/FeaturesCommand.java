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
                "--json writes {\"config\": {...}, \"mel\": [[...]], \"log_mel\": [[...]]}: `config` uses "
                        + "torchaudio.transforms.MelSpectrogram's argument names plus Hark's own keys; `mel` is the "
                        + "mel power before log and normalisation ([n_mels][n_frames], at the feature rate, before "
                        + "fitting to the clip length); `log_mel` is exactly what the model sees."})
final class FeaturesCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE.wav", description = "A WAV file: PCM 8/16/24/32-bit or float, any channels and rate.")
    Path wav;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the configuration and both matrices as JSON.")
    Path json;

    @Option(names = "--png", paramLabel = "OUT.png", description = "Draw the spectrogram (time in s, mel band, colour bar).")
    Path png;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(wav)) {
            throw new IllegalArgumentException("no such file: " + wav);
        }
        FeatureReport report = FeatureReport.of(wav, FeatureSpec.defaults());
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
}
