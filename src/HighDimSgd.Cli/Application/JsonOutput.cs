using System.Text.Json;
using System.Text.Json.Nodes;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// Every JSON file the tool writes (run.json, sweep.json, the sweep cache): non-finite numbers (NaN, +-Infinity, which
/// JSON cannot express) are written as <c>null</c>, everywhere in the tree.
/// </summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The node as JSON text (indented unless <paramref name="indented"/> is false), non-finite numbers as null.</summary>
    public static string Format(JsonNode node, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(node);
        var copy = Finite(node.DeepClone());
        return copy is null ? "null" : copy.ToJsonString(indented ? Indented : null);
    }

    /// <summary>Replaces every non-finite number in the tree by null; returns null when the node itself is one.</summary>
    private static JsonNode? Finite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToArray())
                    if (Finite(obj[key]) is null) obj[key] = null;
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (Finite(array[i]) is null) array[i] = null;
                return array;
            case JsonValue value when NonFinite(value):
                return null;
            default:
                return node;
        }
    }

    private static bool NonFinite(JsonValue value) =>
        (value.TryGetValue<double>(out var d) && !double.IsFinite(d)) || (value.TryGetValue<float>(out var f) && !float.IsFinite(f));
}
