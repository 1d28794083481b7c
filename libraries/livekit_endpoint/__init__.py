"""Token endpoints as apps build them: their shapes, the times of their tokens, and the holes they leave open.

Nothing here imports Robot Framework: the keywords of ``LiveKitEndpoint`` and ``LiveKitHttp`` call
these functions with what they observed.
"""
