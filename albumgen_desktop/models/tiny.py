"""Tiny random-weight models built offline from configs, saved in the real on-disk layout.

Tests and `albumgen selftest` load them through the same from_pretrained path as
the real checkpoints (safetensors, no remote code); only the sizes differ. Like
transformers' own test suites, the architectures are real and the weights random.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from albumgen_desktop.models.manifest import ModelEntry

_TOKENIZER_CORPUS = (
    "a happy song with piano", "sad melancholic music", "electronic dance music with synthesizers",
    "live concert recording with audience", "instrumental music without vocals", "speech and rap",
    "calm soft quiet ambient", "energetic loud rock with drums", "jazz blues folk pop hip hop classical",
)  # fmt: skip


def _byte_level_bpe_files(folder: Path, vocab_size: int = 400) -> tuple[Path, Path]:
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        list(_TOKENIZER_CORPUS) * 4,
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    bpe.save_model(str(folder))
    return folder / "vocab.json", folder / "merges.txt"


def build_tiny_clap(out_dir: Path, seed: int = 0) -> Path:
    """A ClapModel with the HTSAT + RoBERTa architecture at toy size, plus its processor."""
    import torch
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor, RobertaTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    config = ClapConfig(
        text_config={
            "vocab_size": 400, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 37, "max_position_embeddings": 80, "type_vocab_size": 1,
            "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
        },
        audio_config={
            "spec_size": 64, "patch_size": 4, "patch_stride": [4, 4], "num_mel_bins": 16,
            "patch_embeds_hidden_size": 16, "hidden_size": 64, "depths": [1, 1, 1],
            "num_attention_heads": [2, 2, 2], "window_size": 4, "enable_fusion": False,
        },
        projection_dim=16,
    )  # fmt: skip
    model = ClapModel(config).eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vocab, merges = _byte_level_bpe_files(Path(tmp))
        tokenizer = RobertaTokenizerFast(vocab_file=str(vocab), merges_file=str(merges), model_max_length=77)
    extractor = ClapFeatureExtractor(
        feature_size=16, sampling_rate=48000, max_length_s=2, fft_window_size=512, hop_length=480,
        truncation="rand_trunc", padding="repeatpad",
    )  # fmt: skip
    model.save_pretrained(out_dir, safe_serialization=True)
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out_dir)
    return out_dir


def t5_tokenizer():
    """A SentencePiece unigram tokenizer trained on a few captions, with t5-base's special tokens
    and its model_max_length of 512 (tokenizer_config.json of facebook/musicgen-small)."""
    from tokenizers import SentencePieceUnigramTokenizer
    from transformers import T5TokenizerFast

    unigram = SentencePieceUnigramTokenizer()
    unigram.train_from_iterator(
        list(_TOKENIZER_CORPUS) * 4,
        vocab_size=300,
        special_tokens=["<pad>", "</s>", "<unk>"],
        unk_token="<unk>",
        show_progress=False,
    )
    return T5TokenizerFast(
        tokenizer_object=unigram._tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", extra_ids=0,
        model_max_length=512,
    )  # fmt: skip


# The real checkpoints' values wherever behaviour depends on them; only widths and depths shrink.
# - codebook_size 2048, so the pad/start token is 2048, and EnCodec at 32 kHz with the real hop
#   (8*5*4*4 = 640 samples, 50 Hz frames) and use_conv_shortcut false: facebook/encodec_32khz's
#   config.json since commit 4966e19 "Correct weights and config for skip conv" (the config that
#   musicgen-small and musicgen-melody embed as audio_encoder).
# - decoder max_position_embeddings 2048: MusicgenDecoderConfig's default, which both conversion
#   scripts (convert_musicgen_transformers.py, convert_musicgen_melody_transformers.py) keep, and the
#   musicgen-melody decoder config on the hub (MusicgenMelodyForCausalLM, 1536 wide, 48 layers).
#   MusicGen-melody's conditioning prefix lives inside these positions.
# - 4 codebooks, mono, num_chroma 12 and chroma_length 235 (MusicgenMelodyConfig's defaults, kept by
#   the melody conversion script).
# The text width differs from the decoder's (24 vs 32), as in the real checkpoints (768 vs 1024),
# so the text-to-decoder projection is exercised.
CODEBOOK_SIZE = 2048
DECODER_POSITIONS = 2048


def _musicgen_sub_configs(codebook_size: int = CODEBOOK_SIZE):
    from transformers import EncodecConfig, MusicgenDecoderConfig, T5Config

    text_ids: dict[str, Any] = {"decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}
    text = T5Config(vocab_size=300, d_model=24, d_kv=8, d_ff=37, num_layers=2, num_heads=4, **text_ids)
    audio = EncodecConfig(
        sampling_rate=32000, audio_channels=1, codebook_size=codebook_size, codebook_dim=16, hidden_size=16,
        num_filters=4, num_residual_layers=1, upsampling_ratios=[8, 5, 4, 4], target_bandwidths=[2.2],
        num_lstm_layers=1, norm_type="weight_norm", use_causal_conv=False, use_conv_shortcut=False, compress=2,
    )  # fmt: skip
    start: dict[str, Any] = {"decoder_start_token_id": codebook_size}
    decoder = MusicgenDecoderConfig(
        vocab_size=codebook_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, ffn_dim=37,
        num_codebooks=4, max_position_embeddings=DECODER_POSITIONS, pad_token_id=codebook_size,
        bos_token_id=codebook_size, **start,
    )  # fmt: skip
    return text, audio, decoder


def _random_codebooks(model) -> None:
    """EnCodec's codebooks are buffers that transformers initialises to zeros (the real ones are
    learned). Left at zero, every code would decode to the same audio and no test could tell
    one token from another."""
    import torch

    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            book = layer.codebook
            book.embed.copy_(torch.randn_like(book.embed))
            book.embed_avg.copy_(book.embed)


def _set_generation_defaults(model, codebook_size: int) -> None:
    gen = model.generation_config
    gen.decoder_start_token_id = codebook_size
    gen.pad_token_id = codebook_size
    gen.bos_token_id = codebook_size
    gen.do_sample = True
    gen.guidance_scale = 3.0
    gen.max_length = 1500
    gen.top_k = 250


def build_tiny_musicgen(out_dir: Path, seed: int = 0) -> Path:
    import torch
    from transformers import (
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    text, audio, decoder = _musicgen_sub_configs()
    model = MusicgenForConditionalGeneration(
        MusicgenConfig(text_encoder=text, audio_encoder=audio, decoder=decoder)
    ).eval()
    _random_codebooks(model)
    _set_generation_defaults(model, CODEBOOK_SIZE)
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    processor = MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), tokenizer=t5_tokenizer()
    )
    processor.save_pretrained(out_dir)
    return out_dir


def build_tiny_musicgen_melody(out_dir: Path, seed: int = 0) -> Path:
    import torch
    from transformers import MusicgenMelodyConfig, MusicgenMelodyForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    text, audio, decoder = _musicgen_sub_configs()
    config = MusicgenMelodyConfig(
        text_encoder=text, audio_encoder=audio, decoder=decoder, num_chroma=12, chroma_length=235
    )
    model = MusicgenMelodyForConditionalGeneration(config).eval()
    _random_codebooks(model)
    _set_generation_defaults(model, CODEBOOK_SIZE)
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    # The real checkpoint's preprocessor_config.json, written directly: transformers' melody
    # feature extractor class needs torchaudio, which the engine does not (see MelodyChroma).
    t5_tokenizer().save_pretrained(out_dir)
    preprocessor = {
        "feature_extractor_type": "MusicgenMelodyFeatureExtractor", "feature_size": 12, "sampling_rate": 32000,
        "n_fft": 16384, "hop_length": 4096, "chunk_length": 30, "num_chroma": 12, "padding_side": "right",
        "padding_value": 0.0, "processor_class": "MusicgenMelodyProcessor", "return_attention_mask": True,
    }  # fmt: skip
    (out_dir / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2))
    return out_dir


def build_tiny_clip(out_dir: Path, seed: int = 0) -> Path:
    """A CLIPModel (ViT + text transformer) with laion/CLIP-ViT-B-32-laion2B-s34B-b79K's values
    where behaviour depends on them, shrunk in width and depth, with its processor.

    The hub config.json sets only hidden_act "gelu" for both towers (OpenCLIP's activation; OpenAI's
    checkpoints use quick_gelu) and projection_dim 512 (a copy saved from that repo with transformers
    4.37.2: huggingface.co/strollingorange/roomLuxuryAnnotater, config.json); everything else is
    CLIPConfig's defaults: 224 px images in 32 px patches, 77 text positions, and the end-of-text
    token as eos_token_id, so the text embedding is pooled at the first end-of-text token (pad is
    the same token in CLIP's tokenizer). Here eos and bos are the stand-in tokenizer's ids."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor
    from transformers.utils import logging as hf_logging

    from albumgen_desktop.models.tiny_diffusion import clip_tokenizer

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    tokenizer = clip_tokenizer()
    eos, bos = tokenizer.convert_tokens_to_ids("<|endoftext|>"), tokenizer.convert_tokens_to_ids("<|startoftext|>")
    config = CLIPConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
            "num_attention_heads": 4, "max_position_embeddings": 77, "bos_token_id": bos, "eos_token_id": eos,
            "pad_token_id": 1, "hidden_act": "gelu",
        },
        vision_config={
            "image_size": 224, "patch_size": 32, "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
            "num_attention_heads": 4, "hidden_act": "gelu",
        },
        projection_dim=16,
    )  # fmt: skip
    model = CLIPModel(config).eval()
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    images = CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(out_dir)
    return out_dir


def _diffusion_builders() -> dict:
    from albumgen_desktop.models import tiny_diffusion

    return {
        "sdxs-512": tiny_diffusion.build_tiny_sd,
        "sd15": tiny_diffusion.build_tiny_sd15,
        "taesd": tiny_diffusion.build_tiny_taesd,
    }


BUILDERS = {
    "clap-music": build_tiny_clap,
    "clip-b32": build_tiny_clip,
    "smolvlm-256m": lambda out_dir, seed=0: build_tiny_vlm(out_dir, seed),
    "musicgen-small": build_tiny_musicgen,
    "musicgen-melody": build_tiny_musicgen_melody,
}


def install_tiny(entry: ModelEntry, revision: str = "tiny0000") -> Path:
    """Put a tiny model where huggingface_hub would have put the real one (HF_HOME honoured)."""
    builder = {**BUILDERS, **_diffusion_builders()}.get(entry.id)
    if builder is None:
        raise KeyError(f"no tiny builder for {entry.id}")
    from albumgen_desktop.models.installed import is_commit
    from albumgen_desktop.models.tiny_layout import complete_layout

    pinned = is_commit(entry.revision)  # a pinned commit is its own snapshot; a branch or PR ref names one
    snapshot = entry.cache_dir() / "snapshots" / (entry.revision if pinned else revision)
    builder(snapshot)
    complete_layout(entry, snapshot)
    if not pinned:
        ref = entry.cache_dir() / "refs" / entry.revision
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(revision)
    return snapshot


# SmolVLM-256M-Instruct's files, for the stand-in (widths and depths shrink, nothing else):
# - chat_template.json (the file name of the HuggingFaceTB SmolVLM repos; transformers 5 would write
#   chat_template.jinja) holding the template of SmolVLM-500M-Instruct's and SmolVLM2's
#   chat_template.json (huggingface.co/HuggingFaceTB/SmolVLM-500M-Instruct, commit 6eccbc1);
# - the token ids of added_tokens.json: <|endoftext|> 0, <|im_start|> 1, <|im_end|> 2, the base
#   vocabulary up to 49151, <global-img> 49152, <row_1_col_1>..<row_6_col_6> 49153-49188,
#   <fake_token_around_image> 49189, <image> 49190 (config.json's image_token_id),
#   <|reserved_special_token_0..87|> 49191-49278, <end_of_utterance> 49279 (vocab_size 49280);
#   special_tokens_map.json: bos <|im_start|>, eos <end_of_utterance>, pad <|im_end|>, unk <|endoftext|>
#   (as in SmolVLM2-256M-Video-Instruct's file);
# - config.json: scale_factor 4, vision image_size 512 and patch_size 16 (SigLIP-B/16-512), text
#   SmolLM2-135M (llama, 9 heads over 3 key/value heads, head_dim 64, rope_theta 100000,
#   max_position_embeddings 8192), tie_word_embeddings false;
# - preprocessor_config.json (Idefics3ImageProcessor): do_image_splitting true, size longest_edge
#   2048, max_image_size longest_edge 512, resample 1, mean and std 0.5; processor_config.json:
#   image_seq_len 64 (= (512 / 16)^2 / 4^2).
VLM_CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
VLM_BASE_VOCAB = 49152
VLM_ADDED_TOKENS = [
    "<global-img>", *[f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)], "<fake_token_around_image>",
    "<image>", *[f"<|reserved_special_token_{i}|>" for i in range(88)], "<end_of_utterance>",
]  # fmt: skip
VLM_IMAGE_PROCESSOR = {
    "do_image_splitting": True, "size": {"longest_edge": 2048}, "max_image_size": {"longest_edge": 512},
    "resample": 1, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_pad": True,
}  # fmt: skip
VLM_IMAGE_SEQ_LEN = 64


def smolvlm_tokenizer(corpus: list[str], trained_size: int = 700):
    """A byte-level BPE with SmolVLM-256M's vocabulary size (49280) and special-token ids.

    The merges are trained here on ``corpus`` up to ``trained_size`` entries (digits split one
    by one before byte-level BPE, as the StarCoder-lineage 49152-entry tokenizers of SmolLM do;
    unconfirmed for SmolLM2), then the base vocabulary is filled up to 49152 entries with
    tokens that no text encodes to, so every added token lands on its real id. With
    ``trained_size=49152`` nothing is filled: a full-size vocabulary (benchmarks/bench_vlm.py)."""
    import json

    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=trained_size, min_frequency=2, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )  # fmt: skip
    bpe.train_from_iterator(corpus, trainer)
    spec = json.loads(bpe.to_str())
    vocab = spec["model"]["vocab"]
    for i in range(len(vocab), VLM_BASE_VOCAB):
        vocab[f"<unused_{i}>"] = i  # never produced by encoding: no merge leads to it
    bpe = Tokenizer.from_str(json.dumps(spec))
    bpe.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in ("<|endoftext|>", "<|im_start|>", "<|im_end|>")]
    )
    bpe.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in VLM_ADDED_TOKENS])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<end_of_utterance>", pad_token="<|im_end|>",
        unk_token="<|endoftext|>", model_max_length=8192, padding_side="left",
        additional_special_tokens=["<fake_token_around_image>", "<image>", "<end_of_utterance>"],
    )  # fmt: skip
    expected = {"<|im_end|>": 2, "<global-img>": 49152, "<image>": 49190, "<end_of_utterance>": 49279}
    got = {t: tokenizer.convert_tokens_to_ids(t) for t in expected}
    if got != expected or len(tokenizer) != 49280:
        raise AssertionError(f"SmolVLM token ids off: {got}, {len(tokenizer)} tokens")
    return tokenizer


def vlm_corpus() -> list[str]:
    """Sample outputs of the Features grammar plus some prose: what the stand-in's merges learn."""
    import random

    from albumgen_desktop.core.json_grammar import Grammar, features_pieces

    grammar = Grammar(features_pieces())
    rng = random.Random(0)
    return list(_TOKENIZER_CORPUS) * 4 + [grammar.random_text(rng) for _ in range(40)]


def save_smolvlm_processor(out_dir: Path, tokenizer) -> None:
    """Processor files in SmolVLM's on-disk layout: the image processor in preprocessor_config.json,
    image_seq_len in processor_config.json, the chat template in chat_template.json, and the
    tokenizer files (transformers 5 would fold the first two into one file and write the
    template as chat_template.jinja; the hub repo has the older layout, and it must load)."""
    out_dir = Path(out_dir)
    tokenizer.save_pretrained(out_dir)
    preprocessor = {"image_processor_type": "Idefics3ImageProcessor", "processor_class": "Idefics3Processor",
                    "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
                    "rescale_factor": 1 / 255, **VLM_IMAGE_PROCESSOR}  # fmt: skip
    (out_dir / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2))
    processor = {"image_seq_len": VLM_IMAGE_SEQ_LEN, "processor_class": "Idefics3Processor"}
    (out_dir / "processor_config.json").write_text(json.dumps(processor, indent=2))
    (out_dir / "chat_template.json").write_text(json.dumps({"chat_template": VLM_CHAT_TEMPLATE}, indent=2))


def smolvlm_config(tokenizer, vision: dict, text: dict):
    """An Idefics3Config with SmolVLM-256M's fixed values (above) and the given widths/depths."""
    from transformers import Idefics3Config

    return Idefics3Config(
        vision_config={"image_size": 512, "patch_size": 16, **vision},
        text_config={
            "model_type": "llama", "vocab_size": len(tokenizer), "max_position_embeddings": 8192,
            "rope_theta": 100000.0, "rms_norm_eps": 1e-5, "pad_token_id": tokenizer.pad_token_id,
            "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.pad_token_id,
            "tie_word_embeddings": False, **text,
        },
        scale_factor=4, image_token_id=tokenizer.convert_tokens_to_ids("<image>"), tie_word_embeddings=False,
    )  # fmt: skip


def build_tiny_vlm(out_dir: Path, seed: int = 0) -> Path:
    """An Idefics3 (SmolVLM's architecture) with SmolVLM-256M's configuration values and files,
    shrunk in width and depth: SigLIP-style vision tower on 512 px tiles of 16 px patches, the
    pixel-shuffle connector (scale 4: 64 tokens per tile) and a Llama text model."""
    import torch
    from transformers import Idefics3ForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    tokenizer = smolvlm_tokenizer(vlm_corpus())
    config = smolvlm_config(
        tokenizer,
        vision={"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 4},
        text={"hidden_size": 48, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 3,
              "num_key_value_heads": 1, "head_dim": 16},
    )  # fmt: skip
    model = Idefics3ForConditionalGeneration(config).eval()
    gen = model.generation_config
    gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = 1, 49279, 2  # generation_config.json
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    save_smolvlm_processor(out_dir, tokenizer)
    return out_dir
