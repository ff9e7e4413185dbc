"""ONNX import fixtures: small torch.nn models exported by PyTorch 1.13's torch.onnx.export.

For every model and opset (11, where torch can export it, 13 and 17) this writes `<name>.opset<N>.onnx` (dynamic batch axis)
and one `<name>.json` with the inputs and PyTorch's outputs (computed in float32 eval mode,
the same arithmetic the exported graph describes), so the TypeScript tests can check the
importer against PyTorch. Run with Debian's Python + torch 1.13:

    /usr/bin/python3 packages/onnx/test/import-fixtures/generate.py
"""

import io
import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
# 11 checks the importer's older operator forms (Squeeze axes attributes, 2-D Softmax, ...).
OPSETS = (11, 13, 17)


class Mlp(nn.Module):
    """Linear, MatMul, Dropout, Softmax, LogSoftmax (torch 1.13 cannot export nn.Bilinear)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.drop = nn.Dropout(0.3)
        self.proj = nn.Linear(6, 5)
        self.fc2 = nn.Linear(5, 4, bias=False)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        h = self.drop(h)[:, :5] * self.proj(x) + x @ self.proj.weight.t()
        return torch.softmax(self.fc2(h), -1), torch.log_softmax(h, 1)


class Activations(nn.Module):
    """Every activation module applied to one input (outputs concatenated); torch 1.13 exports
    Threshold only as ReLU, and Softplus without its threshold (so the default, 20, is used)."""

    def __init__(self):
        super().__init__()
        self.acts = nn.ModuleList([
            nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(0.1), nn.PReLU(3), nn.ELU(0.7), nn.SELU(), nn.CELU(1.3),
            nn.GELU(), nn.GELU(approximate='tanh'), nn.SiLU(), nn.Mish(), nn.Sigmoid(), nn.Tanh(),
            nn.Hardsigmoid(), nn.Hardswish(), nn.Hardtanh(-0.5, 0.8), nn.Softplus(2.0),
            nn.Softsign(), nn.Tanhshrink(), nn.LogSigmoid(),
            nn.Hardshrink(0.4), nn.Softshrink(0.3), nn.Softmin(1), nn.Softmax(2), nn.LogSoftmax(1),
        ])

    def forward(self, x):
        return torch.cat([a(x) for a in self.acts], 1)


class Cnn(nn.Module):
    """Conv2d (groups, dilation, stride), BatchNorm2d, pools incl. ceil mode and adaptive."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, dilation=1, groups=2, padding=(1, 0))
        self.mp = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.ap = nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False)
        self.ad = nn.AdaptiveAvgPool2d((3, 1))  # torch 1.13 exports only factor sizes
        self.fc = nn.Linear(8 * 3, 5)

    def forward(self, x):
        h = self.bn(self.c1(x)).relu()
        h = self.mp(self.c2(h))
        h = self.ad(self.ap(h))
        return self.fc(torch.flatten(h, 1))


class ConvT(nn.Module):
    """Conv1d, Conv3d, ConvTranspose1d/2d (output padding, groups), MaxPool1d, AvgPool1d, GlobalAvg."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(2, 4, 3, padding=2, dilation=2)
        self.mp1 = nn.MaxPool1d(2, ceil_mode=True)
        self.ap1 = nn.AvgPool1d(3, stride=2, padding=1)
        self.ct1 = nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1)
        self.ct2 = nn.ConvTranspose2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0), groups=1)
        self.ct2g = nn.ConvTranspose2d(4, 4, 2, stride=2, groups=2)
        self.c3 = nn.Conv3d(1, 2, 2)
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x, v):
        h = self.ap1(self.mp1(self.c1(x)))
        y1 = self.ct1(h)
        img = y1.unsqueeze(2).expand(-1, -1, 3, -1)
        y2 = self.ct2g(self.ct2(img))
        y3 = self.c3(v)
        return y1, self.gap(y2).flatten(1), y3


class Norms(nn.Module):
    """LayerNorm (elementwise affine and not), GroupNorm, InstanceNorm, BatchNorm1d, Embedding."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 6, padding_idx=0)
        self.ln = nn.LayerNorm(6)
        self.ln2 = nn.LayerNorm([5, 6])  # without affine, 1.13 writes an invalid opset-17 node
        self.gn = nn.GroupNorm(2, 6)
        self.bn1 = nn.BatchNorm1d(6)
        self.inorm = nn.InstanceNorm1d(6, affine=True)

    def forward(self, tokens):
        e = self.emb(tokens)  # [B, 5, 6]
        a = self.ln(e)
        b = self.ln2(e)
        c = self.gn(e.transpose(1, 2))
        d = self.bn1(e.transpose(1, 2))
        f = self.inorm(e.transpose(1, 2))
        return a, b, c + d + f


class Lstm(nn.Module):
    """LSTM two-layer bidirectional, batch first; GRU; RNN tanh and relu; with initial states."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.gru = nn.GRU(10, 3, num_layers=2)
        self.rnn = nn.RNN(3, 4, nonlinearity='relu', bidirectional=True)
        self.rnn2 = nn.RNN(8, 2, bias=False)

    def forward(self, x, h0):
        out, (h, c) = self.lstm(x)
        g, gh = self.gru(out.transpose(0, 1), h0)
        r, rh = self.rnn(g)
        r2, _ = self.rnn2(r)
        return out, h, c, gh, r2, rh


class Transformer(nn.Module):
    """TransformerEncoderLayer (norm_first), TransformerDecoderLayer, MultiheadAttention with a mask."""

    def __init__(self):
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, batch_first=True)
        self.enc2 = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, activation='gelu', norm_first=True)
        self.dec = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        self.mha = nn.MultiheadAttention(8, 4, batch_first=True, kdim=6, vdim=5)
        # A constant causal mask (Trilu needs opset 14).
        self.register_buffer('mask', torch.triu(torch.full((4, 4), float('-inf')), diagonal=1))

    def forward(self, src, tgt, k, v):
        mem = self.enc(src)
        mem = self.enc2(mem.transpose(0, 1)).transpose(0, 1)
        out = self.dec(tgt, mem, tgt_mask=self.mask)
        att, w = self.mha(out, k, v)
        return out, att, w


class ShapeOps(nn.Module):
    """Shape arithmetic, Where, Expand, ConstantOfShape, Range, Pow, Sqrt, ReduceMean, Slice, Gather."""

    def forward(self, x):
        b, t, c = x.shape
        y = x.reshape(b, t * c).view(b, c, t).permute(0, 2, 1)
        ar = torch.arange(t, dtype=torch.float32).unsqueeze(-1).expand(b, t, c)
        z = torch.where(y > 0, y, torch.zeros_like(y)) + ar
        s = z.pow(2).mean(-1, keepdim=True).sqrt()
        sl = x[:, 1:, ::2]
        g = x[:, -1]
        cat = torch.cat([sl.flatten(1), g], 1)
        m = torch.max(x, 1).values + torch.min(x, 2, keepdim=True).values.squeeze(-1).sum(-1, keepdim=True)
        norm = x / x.abs().sum(-1, keepdim=True).clamp(min=1e-3)
        return z / (s + 1e-5), cat, m, norm.exp().log1p(), torch.ones(b, 2) * x.new_tensor(c)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.down(x))


class Vision(nn.Module):
    """A small ResNet: stem, max pool, two residual blocks, global average pool, classifier."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = Block(8, 8, 1)
        self.layer2 = Block(8, 16, 2)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        h = self.layer2(self.layer1(self.pool(self.stem(x))))
        return self.fc(torch.flatten(self.avg(h), 1))


class Text(nn.Module):
    """A small text classifier: token + learned position embeddings, a 2-layer TransformerEncoder
    with a key padding mask, mean pooling, classifier."""

    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(50, 16)
        self.pos = nn.Parameter(torch.randn(1, 12, 16) * 0.1)
        layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True, activation='gelu')
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(16)
        self.head = nn.Linear(16, 3)

    def forward(self, tokens):
        t = tokens.shape[1]
        h = self.tok(tokens) + self.pos[:, :t]
        h = self.encoder(h, src_key_padding_mask=tokens == 0)
        return self.head(self.norm(h).mean(1))


class Misc(nn.Module):
    """Upsample (nearest, bilinear, bicubic, align_corners), reflection / replication / constant
    padding, 3-d pools and transposed conv, adaptive max pool, view, chunk, clamp, argmax
    (torch 1.13 cannot export nn.Unflatten)."""

    def __init__(self):
        super().__init__()
        self.up1 = nn.Upsample(scale_factor=2, mode='nearest')
        self.up2 = nn.Upsample(scale_factor=1.5, mode='bilinear')
        self.up3 = nn.Upsample(size=(5, 7), mode='bicubic', align_corners=True)
        self.rp = nn.ReflectionPad2d((1, 2, 0, 1))
        self.ep = nn.ReplicationPad1d(2)
        self.cp = nn.ConstantPad2d(1, 0.5)
        self.mp3 = nn.MaxPool3d(2, stride=1)
        self.ap3 = nn.AvgPool3d((1, 2, 2))
        self.ct3 = nn.ConvTranspose3d(2, 2, 2, stride=2)
        self.amp = nn.AdaptiveMaxPool2d((2, 3))

    def forward(self, x, v):
        a = self.up1(x)
        b = self.up2(x)
        c = self.up3(x)
        d = self.cp(self.rp(x))
        e = self.ep(x.flatten(2))
        f = self.ct3(self.ap3(self.mp3(v)))
        g = self.amp(a)
        p, q = torch.chunk(x.view(x.shape[0], 2, 2, 4, 6), 2, dim=2)
        return a, b, c, d, e, f, g, (p * q).clamp(-0.5, 0.5), torch.argmax(x.flatten(1), 1)


class TensorOps(nn.Module):
    """Tensor functions with their own ONNX ops: split, repeat (Tile), gather (GatherElements),
    prod, norm, logsumexp, argmin, maximum / minimum, logical ops,
    isnan, rounding, trigonometry, remainder, global max pool."""

    def forward(self, x, idx):
        a, b, c = torch.split(x, [1, 2, 1], dim=1)
        t = a.repeat(1, 2, 3)
        g = torch.gather(x, 2, idx)
        p = (x * 0.5 + 1).prod(2)
        n = torch.linalg.vector_norm(x, dim=2) + torch.logsumexp(x, 2)
        m = torch.maximum(b, c) - torch.minimum(b, c.neg())
        logic = torch.logical_xor(x > 0, ~(x < 0.5)) | torch.logical_and(x > -1, x < 1)
        r = torch.floor(x * 3) + torch.ceil(x * 2) + torch.round(x * 5) + torch.sign(x) + torch.reciprocal(x.abs() + 1)
        trig = torch.sin(x) * torch.cos(x) + torch.tan(x * 0.3)
        mod = torch.remainder(x * 7, 3.0) + torch.fmod(x * 7, 3.0)
        gmp = nn.functional.adaptive_max_pool1d(x, 1)
        safe = torch.where(torch.isnan(x.sqrt()), torch.zeros_like(x), x.sqrt())
        return t, g, p, n, m, logic.float(), r, trig, mod, gmp, safe, torch.argmin(x, 2)

class ConvPad(nn.Module):
    """Convolution padding modes (reflect, replicate, 'same'), PixelShuffle and PixelUnshuffle,
    LPPool, Softmax2d. torch 1.13 cannot export ChannelShuffle, and its export of a circular
    Conv1d disagrees with PyTorch (onnxruntime disagrees with it too), so neither is here."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(4, 8, 3, padding=1, padding_mode='reflect')
        self.c3 = nn.Conv2d(4, 4, 3, padding='same', dilation=2, padding_mode='replicate')
        self.ps = nn.PixelShuffle(2)
        self.pu = nn.PixelUnshuffle(2)
        self.lp = nn.LPPool2d(2, 2)
        self.sm = nn.Softmax2d()

    def forward(self, x):
        a = self.ps(self.c1(x))
        c = self.pu(self.c3(x))
        d = self.lp(x)
        return a, c, d, self.sm(x)


MODELS = {
    'mlp': (Mlp, lambda: [torch.randn(3, 6)], ['x'], {'x': {0: 'batch'}}),
    'activations': (Activations, lambda: [torch.randn(2, 3, 4) * 2], ['x'], {'x': {0: 'batch'}}),
    'cnn': (Cnn, lambda: [torch.randn(2, 3, 9, 9)], ['x'], {'x': {0: 'batch'}}),
    'convt': (
        ConvT,
        lambda: [torch.randn(2, 2, 7), torch.randn(2, 1, 3, 4, 3)],
        ['x', 'v'],
        {'x': {0: 'batch'}, 'v': {0: 'batch'}},
    ),
    'norms': (Norms, lambda: [torch.randint(0, 11, (3, 5))], ['tokens'], {'tokens': {0: 'batch'}}),
    'rnn': (
        Lstm,
        lambda: [torch.randn(2, 4, 4), torch.randn(2, 2, 3)],
        ['x', 'h0'],
        {'x': {0: 'batch'}, 'h0': {1: 'batch'}},
    ),
    'transformer': (
        Transformer,
        lambda: [torch.randn(2, 5, 8), torch.randn(2, 4, 8), torch.randn(2, 3, 6), torch.randn(2, 3, 5)],
        ['src', 'tgt', 'k', 'v'],
        {n: {0: 'batch'} for n in ['src', 'tgt', 'k', 'v']},
    ),
    'shapeops': (ShapeOps, lambda: [torch.randn(2, 3, 4)], ['x'], {'x': {0: 'batch'}}),
    'tensorops': (
        TensorOps,
        lambda: [torch.randn(2, 4, 5), torch.randint(0, 5, (2, 4, 3))],
        ['x', 'idx'],
        {'x': {0: 'batch'}, 'idx': {0: 'batch'}},
    ),
    'convpad': (ConvPad, lambda: [torch.randn(2, 4, 6, 6)], ['x'], {'x': {0: 'batch'}}),
    'vision': (Vision, lambda: [torch.randn(2, 3, 16, 16)], ['image'], {'image': {0: 'batch'}}),
    'text': (
        Text,
        lambda: [torch.tensor([[5, 7, 9, 11, 3, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8]])],
        ['tokens'],
        {'tokens': {0: 'batch'}},
    ),
    'misc': (
        Misc,
        lambda: [torch.randn(2, 4, 4, 6), torch.randn(2, 2, 3, 4, 5)],
        ['x', 'v'],
        {'x': {0: 'batch'}, 'v': {0: 'batch'}},
    ),
}


def randomize_buffers(m):
    # Non-trivial running statistics, so BatchNorm's eval path is really checked.
    for name, b in m.named_buffers():
        if name.endswith('running_mean'):
            b.copy_(torch.randn_like(b) * 0.5)
        elif name.endswith('running_var'):
            b.copy_(torch.rand_like(b) + 0.5)
    for name, p in m.named_parameters():
        if name.endswith('norm.weight') or name.endswith('bn.weight'):
            p.data.copy_(torch.rand_like(p) + 0.5)


def tensor_json(t):
    return {'dtype': 'int64' if t.dtype == torch.int64 else 'float32', 'shape': list(t.shape),
            'data': t.flatten().tolist()}


def run(model, inputs):
    with torch.no_grad():
        outs = model(*inputs)
    return list(outs) if isinstance(outs, tuple) else [outs]


def grow(inputs, names, dyn):
    """The inputs with one more sample on their dynamic axis (a copy of the first for integers)."""
    out = []
    for n, t in zip(names, inputs):
        axis = next(iter(dyn[n]))
        first = t.narrow(axis, 0, 1)
        extra = first.clone() if t.dtype == torch.int64 else torch.randn_like(first)
        out.append(torch.cat([t, extra], axis))
    return out


def main(only):
    for name, (cls, make_inputs, input_names, dyn) in MODELS.items():
        if only and name not in only:
            continue
        torch.manual_seed(sum(map(ord, name)))
        model = cls()
        with torch.no_grad():
            randomize_buffers(model)
        model.eval()
        inputs = make_inputs()
        outs = run(model, inputs)
        bigger = grow(inputs, input_names, dyn)
        output_names = [f'out{i}' for i in range(len(outs))]
        opsets = []
        for opset in OPSETS:
            buf = io.BytesIO()
            try:
                torch.onnx.export(model, tuple(inputs), buf, opset_version=opset, input_names=input_names,
                                  output_names=output_names, dynamic_axes=dyn, do_constant_folding=True)
            except torch.onnx.errors.OnnxExporterError as e:
                # Only the older opsets may lack an op (Celu needs 12); 13 and 17 must export.
                if opset >= 13:
                    raise
                print(f'{name}: no opset {opset} ({str(e).splitlines()[0][:90]})')
                continue
            opsets.append(opset)
            with open(os.path.join(HERE, f'{name}.opset{opset}.onnx'), 'wb') as f:
                f.write(buf.getvalue())
        record = {
            'model': name,
            'doc': cls.__doc__,
            'opsets': opsets,
            # The export batch, and one more sample along each dynamic batch axis (so the test
            # sees that no batch size was baked into the graph).
            'cases': [
                {'inputs': {n: tensor_json(t) for n, t in zip(input_names, xs)},
                 'outputs': {n: tensor_json(t) for n, t in zip(output_names, ys)}}
                for xs, ys in [(inputs, outs), (bigger, run(model, bigger))]
            ],
            # PyTorch's state_dict keys and shapes: the importer keeps the names the exporter kept.
            'state': {k: list(v.shape) for k, v in model.state_dict().items()},
        }
        with open(os.path.join(HERE, f'{name}.json'), 'w') as f:
            json.dump(record, f)
        print(name, 'ok')


if __name__ == '__main__':
    main(set(sys.argv[1:]))
