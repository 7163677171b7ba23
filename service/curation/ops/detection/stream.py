"""ScoreDetectionStream: a ScoreDetection request sent in chunks.

:func:`merge_stream` concatenates the chunks (protobuf merge: repeated fields append, scalars take the
last value set), so object indices refer to the concatenated ``asset_ids``/``category_names``; the
merged request runs through the same cached operation as the unary one and :func:`stream_response`
wraps its response.
"""

from __future__ import annotations

from collections.abc import Sequence

from curation.v1 import detection_pb2 as pb

__all__ = ["merge_stream", "stream_response"]


def merge_stream(chunks: Sequence[pb.ScoreDetectionStreamRequest]) -> pb.ScoreDetectionRequest:
    """The request a client stream stands for: its chunks merged in order (protobuf merge)."""
    merged = pb.ScoreDetectionRequest()
    for chunk in chunks:
        merged.MergeFrom(chunk.chunk)
    return merged


def stream_response(response: pb.ScoreDetectionResponse) -> pb.ScoreDetectionStreamResponse:
    """The streaming RPC's answer: the unary response of the merged request, wrapped."""
    return pb.ScoreDetectionStreamResponse(response=response)
