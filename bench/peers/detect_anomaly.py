"""The naive softmax cross-entropy of examples/graphs/naive-softmax-ce.json in PyTorch, under
torch.autograd.detect_anomaly: what PyTorch reports for the hazard `symgrad check` finds before
running (README, "Numeric hazards"). Scores [[800, 0, -5, 0, …], [1, 2, 3, 0, …]] (10 classes), labels [1, 2]."""
import torch

scores = torch.tensor([[800.0, 0.0, -5.0] + [0.0] * 7, [1.0, 2.0, 3.0] + [0.0] * 7], requires_grad=True)
y = torch.tensor([1, 2])
with torch.autograd.detect_anomaly():
    e = torch.exp(scores)
    p = e / e.sum(1, keepdim=True)
    loss = -torch.log(p.gather(1, y[:, None])).mean()
    print("loss:", loss.item())
    try:
        loss.backward()
        print("grad:", scores.grad)
    except RuntimeError as err:
        print("RuntimeError:", err)
