/** A request for a person to allow one tool call, and what became of it. */
export interface ApprovalRecord {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'used';
  /** The tool the model called, and its arguments as the model wrote them. */
  tool: string;
  argumentsJson: string;
  /** Why the policy asked for approval: the rule and what it matched. */
  reason: string;
  rule?: string;
  taskId?: string;
  keyId?: string;
  team?: string;
  createdAtInMs: number;
  expiresAtInMs: number;
  decidedBy?: string;
  decidedAtInMs?: number;
  decisionReason?: string;
}
