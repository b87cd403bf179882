using System.Globalization;
using System.Text;
using HighDimSgd.Core.Problems;

namespace HighDimSgd.Cli.Application;

/// <summary>One axis of a sweep: a dotted key of the problem file and the values it takes (TOML text, as for --set).</summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values)
{
    /// <summary>
    /// Reads <c>KEY=v1,v2,...</c> (commas inside brackets, braces or quotes do not split), <c>KEY=lin:a:b:n</c> (n
    /// values from a to b, evenly spaced) or <c>KEY=log:a:b:n</c> (geometrically spaced).
    /// </summary>
    public static SweepAxis Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new UserErrorException($"--grid: '{text}': expected KEY=v1,v2,... or KEY=lin:a:b:n or KEY=log:a:b:n");
        var key = text[..equals].Trim();
        // The key is checked the way --set checks it.
        ProblemContext.ParseOverrides([key + "=0"]);
        var spec = text[(equals + 1)..].Trim();
        var values = spec.StartsWith("lin:", StringComparison.Ordinal) || spec.StartsWith("log:", StringComparison.Ordinal)
            ? Spaced(key, spec)
            : Split(spec);
        if (values.Count == 0 || values.Any(v => v.Length == 0))
            throw new UserErrorException($"--grid {key}: empty value in '{spec}'");
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
            throw new UserErrorException($"--grid {key}: a value is listed twice in '{spec}'");
        return new SweepAxis(key, values);
    }

    private static List<string> Spaced(string key, string spec)
    {
        var parts = spec.Split(':');
        if (parts.Length != 4
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 2 || n > 100_000
            || !double.IsFinite(a) || !double.IsFinite(b))
            throw new UserErrorException($"--grid {key}: '{spec}': expected {parts[0]}:a:b:n with numbers a, b and 2 <= n <= 100000");
        var log = parts[0] == "log";
        if (log && !(a > 0 && b > 0)) throw new UserErrorException($"--grid {key}: '{spec}': a log grid needs a > 0 and b > 0");
        return [.. Enumerable.Range(0, n).Select(k =>
        {
            var f = (double)k / (n - 1);
            var value = log ? a * Math.Pow(b / a, f) : a + (b - a) * f;
            if (k == n - 1) value = b;
            return value.ToString("R", CultureInfo.InvariantCulture);
        })];
    }

    /// <summary>Splits at top-level commas.</summary>
    private static List<string> Split(string spec)
    {
        var values = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        char? quote = null;
        foreach (var c in spec)
        {
            if (quote is { } q)
            {
                current.Append(c);
                if (c == q) quote = null;
                continue;
            }
            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    depth--;
                    break;
                case ',' when depth == 0:
                    values.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
            }
            current.Append(c);
        }
        values.Add(current.ToString().Trim());
        return values;
    }
}

/// <summary>One point of a sweep: its index and the value of every axis (as overrides of the problem file).</summary>
public sealed record SweepPoint(int Index, IReadOnlyList<(string Key, string Value)> Values)
{
    /// <summary>The point's overrides after the sweep's own --set options.</summary>
    public IReadOnlyList<string> Overrides(IReadOnlyList<string> baseSet) =>
        [.. baseSet, .. Values.Select(v => $"{v.Key}={v.Value}")];
}

/// <summary>The points of a sweep: the Cartesian product of the axes (the last varies fastest), or with --zip the i-th values together.</summary>
public static class SweepGrid
{
    /// <summary>Largest number of points one sweep may have.</summary>
    public const int MaxPoints = 1_000_000;

    public static SweepPoint[] Points(IReadOnlyList<SweepAxis> axes, bool zip)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Count == 0) throw new UserErrorException("sweep: give at least one --grid KEY=v1,v2,...");
        var duplicate = axes.GroupBy(a => a.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UserErrorException($"--grid {duplicate.Key}: the key has two grids");
        if (zip)
        {
            var n = axes[0].Values.Count;
            if (axes.FirstOrDefault(a => a.Values.Count != n) is { } other)
                throw new UserErrorException($"--zip: every grid needs the same number of values ({axes[0].Key} has {n}, {other.Key} has {other.Values.Count})");
            return [.. Enumerable.Range(0, n).Select(i => new SweepPoint(i, [.. axes.Select(a => (a.Key, a.Values[i]))]))];
        }
        var total = axes.Aggregate(1L, (product, a) => product * a.Values.Count);
        if (total > MaxPoints) throw new UserErrorException($"sweep: the grid has {total} points; at most {MaxPoints} are allowed");
        var points = new SweepPoint[total];
        for (var p = 0; p < total; p++)
        {
            var values = new (string, string)[axes.Count];
            var rest = p;
            for (var a = axes.Count - 1; a >= 0; a--)
            {
                var count = axes[a].Values.Count;
                values[a] = (axes[a].Key, axes[a].Values[rest % count]);
                rest /= count;
            }
            points[p] = new SweepPoint(p, values);
        }
        return points;
    }
}
