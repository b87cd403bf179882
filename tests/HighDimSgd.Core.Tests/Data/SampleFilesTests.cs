using HighDimSgd.Core.Data;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Core.Tests.Data;

/// <summary>Each reader on files the test writes, and every data-file mistake as an error naming the problem file, the key and the data file.</summary>
public sealed class SampleFilesTests : IDisposable
{
    private readonly DataFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static readonly byte[] Pixels = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]; // 3 images of 2 x 2

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxReadsBytesRawAndGzipped(bool gzip)
    {
        var images = _files.IdxBytes("images", [3, 2, 2], Pixels, gzip);
        var labels = _files.IdxBytes("labels", [3], [5, 7, 5], gzip);
        var samples = SampleFiles.Idx(images, labels);
        Assert.Equal((3, 4), (samples.Count, samples.Dimension));
        Assert.Equal([5, 7, 5], samples.Labels);
        Assert.Equal([40f, 50f, 60f, 70f], samples.Features[4..8]);
    }

    [Fact]
    public void IdxReadsDoubles()
    {
        var images = _files.IdxDoubles("images", [2, 3], [0.5, -1.5, 2.25, 3, 4, 5]);
        var labels = _files.IdxBytes("labels", [2], [1, 0]);
        var samples = SampleFiles.Idx(images, labels);
        Assert.Equal([0.5f, -1.5f, 2.25f, 3f, 4f, 5f], samples.Features);
    }

    [Theory]
    [InlineData("<f4")]
    [InlineData("<f8")]
    [InlineData("|u1")]
    public void NpyReadsFeatureTypesAndIntegerLabels(string descr)
    {
        var features = _files.Npy("x.npy", descr, [3, 2], [1, 2, 3, 4, 250, 6]);
        var labels = _files.Npy("y.npy", "<i8", [3], [2, 0, 2]);
        var samples = SampleFiles.Npy(features, labels);
        Assert.Equal((3, 2), (samples.Count, samples.Dimension));
        Assert.Equal([1f, 2f, 3f, 4f, 250f, 6f], samples.Features);
        Assert.Equal([2, 0, 2], samples.Labels);
    }

    [Fact]
    public void CsvFindsTheLabelColumnByNameOrIndex()
    {
        var withHeader = _files.Text("a.csv", "x1,label,x2\n1.5,3,2\n-1,4,0.25\n");
        var named = SampleFiles.Csv(withHeader, null);
        Assert.Equal([3, 4], named.Labels);
        Assert.Equal([1.5f, 2f, -1f, 0.25f], named.Features);
        var noHeader = _files.Text("b.csv", "1,0.5,3\n0,1.5,4\n");
        Assert.Equal([1, 0], SampleFiles.Csv(noHeader, null).Labels);
        Assert.Equal([0.5f, 3f, 1.5f, 4f], SampleFiles.Csv(noHeader, "0").Features);
        var last = SampleFiles.Csv(noHeader, "2");
        Assert.Equal([3, 4], last.Labels);
        Assert.Equal([1f, 0.5f, 0f, 1.5f], last.Features);
    }

    [Fact]
    public void CsvIgnoresAByteOrderMarkAndRejectsBrokenQuoting()
    {
        var bom = _files.Write("bom.csv", [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.ASCII.GetBytes("5,1.5\n7,2\n")], gzip: false);
        var samples = SampleFiles.Csv(bom, null);
        Assert.Equal([5, 7], samples.Labels);
        var broken = _files.Text("quote.csv", "label,x\n1,\"2\n0,3\n");
        Assert.Contains("not a well-formed CSV file", Assert.Throws<DataFileException>(() => SampleFiles.Csv(broken, null)).Message);
    }

    [Fact]
    public void CsvRejectsRaggedRowsAndText()
    {
        var ragged = _files.Text("r.csv", "label,x\n1,2\n0\n");
        Assert.Contains("row 3 has 1 fields", Assert.Throws<DataFileException>(() => SampleFiles.Csv(ragged, null)).Message);
        var text = _files.Text("t.csv", "label,x\n1,abc\n");
        Assert.Contains("'abc' is not a finite number", Assert.Throws<DataFileException>(() => SampleFiles.Csv(text, null)).Message);
    }

    private string Problem(string images, string labels, string classes = "[5, 7]", string extra = "positive = 7", string kind = "idx")
    {
        var text = $$"""
            [data.source]
            kind = "{{kind}}"
            train = { images = "{{images}}", labels = "{{labels}}" }
            test-fraction = 0.3
            classes = {{classes}}
            {{extra}}

            [student]
            directions = 1
            output = "r"

            [loss]
            preset = "logistic"

            [optimizer]
            learning-rate = 1.0
            """;
        return _files.Text("problem.toml", text);
    }

    private ProblemFileException Failure(string problemPath) =>
        Assert.Throws<ProblemFileException>(() =>
            ProblemRealization.Materialize(ProblemLoader.Load(problemPath), null, Path.Combine(_files.Folder, "cache")));

    [Fact]
    public void AWrongMagicNumberNamesTheFileAndKey()
    {
        var images = _files.Write("images", [1, 2, 3, 4, 5, 6, 7, 8], gzip: false);
        var labels = _files.IdxBytes("labels", [3], [5, 7, 5]);
        var error = Failure(Problem(images, labels));
        Assert.Contains("problem.toml: data.source.train.images:", error.Message);
        Assert.Contains(images, error.Message);
        Assert.Contains("not an IDX file (magic number 0x01020304", error.Message);
    }

    [Fact]
    public void ATruncatedFileNamesTheFileAndKey()
    {
        var images = _files.IdxBytes("images", [3, 2, 2], Pixels[..10]);
        var labels = _files.IdxBytes("labels", [3], [5, 7, 5]);
        var error = Failure(Problem(images, labels));
        Assert.Contains("data.source.train.images:", error.Message);
        Assert.Contains("truncated: the header announces 12 values (12 bytes), the file holds 10 bytes", error.Message);
    }

    [Fact]
    public void MoreLabelsThanImagesNamesTheLabelsFile()
    {
        var images = _files.IdxBytes("images", [3, 2, 2], Pixels);
        var labels = _files.IdxBytes("labels", [4], [5, 7, 5, 7]);
        var error = Failure(Problem(images, labels));
        Assert.Contains("data.source.train.labels:", error.Message);
        Assert.Contains("4 labels for 3 samples", error.Message);
    }

    [Fact]
    public void AnAbsentClassNamesTheClassesKey()
    {
        var images = _files.IdxBytes("images", [3, 2, 2], Pixels);
        var labels = _files.IdxBytes("labels", [3], [5, 7, 5]);
        var error = Failure(Problem(images, labels, classes: "[5, 9]", extra: "positive = 9"));
        Assert.Contains("data.source.classes: class 9 has no sample in the training split", error.Message);
        Assert.Contains("labels present: 5, 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingDatasetFileSaysHowToInstallIt()
    {
        var error = MissingTrainingImages("/usr/share/datasets/hdsgd-no-such-set/train.gz");
        Assert.Contains("data.source.train.images: file not found: /usr/share/datasets/hdsgd-no-such-set/train.gz", error.Message);
        Assert.Contains("sudo apt-get install dataset-hdsgd-no-such-set", error.Message);
    }

    [Fact]
    public void AWrongNameInsideAnInstalledDatasetIsNotAMissingPackage()
    {
        // Needs one installed Debian data set (CI installs Fashion-MNIST); without one there is nothing to check.
        var installed = Directory.Exists("/usr/share/datasets") ? Directory.GetDirectories("/usr/share/datasets").FirstOrDefault() : null;
        if (installed is null) return;
        var error = MissingTrainingImages(Path.Combine(installed, "hdsgd-no-such-file.gz"));
        Assert.Contains("file not found", error.Message);
        Assert.DoesNotContain("apt-get", error.Message);
    }

    private ProblemFileException MissingTrainingImages(string images)
    {
        var text = File.ReadAllText(Problem("x", "y")).Replace("train = { images = \"x\", labels = \"y\" }",
            $"train = {{ images = \"{images}\", labels = \"y\" }}");
        return Assert.Throws<ProblemFileException>(() => ProblemLoader.Load(_files.Text("missing.toml", text)));
    }

    [Fact]
    public void PositiveMustBeOneOfTwoClasses()
    {
        var images = _files.IdxBytes("images", [3, 2, 2], Pixels);
        var labels = _files.IdxBytes("labels", [3], [5, 7, 5]);
        var error = Assert.Throws<ProblemFileException>(() => ProblemLoader.Load(Problem(images, labels, extra: "positive = 3")));
        Assert.Contains("data.source.positive: must be one of the classes 5, 7, got 3", error.Message);
    }
}
