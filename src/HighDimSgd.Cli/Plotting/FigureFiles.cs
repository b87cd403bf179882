using ScottPlot;
using SkiaSharp;

namespace HighDimSgd.Cli.Plotting;

/// <summary>Writes a figure as both PNG (for quick viewing) and SVG (for papers).</summary>
internal static class FigureFiles
{
    public static void Write(string pathWithoutExtension, Multiplot figure, int width, int height)
    {
        EnsureDirectory(pathWithoutExtension);
        figure.SavePng(pathWithoutExtension + ".png", width, height);

        // Multiplot has no SVG export of its own; Skia's SVG canvas is what Plot.SaveSvg uses.
        using (var stream = File.Create(pathWithoutExtension + ".svg"))
        using (var canvas = SKSvgCanvas.Create(SKRect.Create(width, height), stream))
        {
            figure.Render(canvas, new PixelRect(0, width, height, 0));
        } // disposing the canvas writes the closing tags, so it must happen before the stream closes
    }

    private static void EnsureDirectory(string pathWithoutExtension)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(pathWithoutExtension));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }
}

/// <summary>Stacks panels vertically, giving each a fixed share of the figure height.</summary>
internal sealed class StackedRowsLayout(IReadOnlyList<float> relativeHeights) : IMultiplotLayout
{
    public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figureRect)
    {
        float total = relativeHeights.Sum();
        var rectangles = new PixelRect[subplots.Count];
        float top = figureRect.Top;
        for (int i = 0; i < rectangles.Length; i++)
        {
            float height = figureRect.Height * relativeHeights[i] / total;
            rectangles[i] = new PixelRect(figureRect.Left, figureRect.Right, top + height, top);
            top += height;
        }
        return rectangles;
    }
}
