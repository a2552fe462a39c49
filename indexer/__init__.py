"""Text -> passages -> keyword index and vectors.

Nothing here knows about searching or the web; ``search`` reads what this
package writes, and imports its analyzers so that queries are analysed exactly
like the text they are matched against.
"""
