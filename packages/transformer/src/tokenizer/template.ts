/**
 * Chat prompts from a checkpoint's own template: tokenizer_config.json's Jinja
 * `chat_template`, rendered by @huggingface/jinja (the implementation transformers.js uses),
 * with the variables Hugging Face passes (`messages`, `add_generation_prompt`, `bos_token`,
 * `eos_token`, …). No family's format is written by hand here.
 */
import { Template } from '@huggingface/jinja';
import { ChatFormatError } from './errors.js';
import type { Tokenizer } from './types.js';

/** One message as templates read it. */
export interface TemplateMessage {
  readonly role: string;
  readonly content: string;
}

/** Options of {@link renderChatTemplate}. */
export interface ChatTemplateOptions {
  /** End with the assistant's header so the model writes the answer (default true). */
  readonly addGenerationPrompt?: boolean;
  /** Further template variables (e.g. `enable_thinking` for Qwen 3). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

const compiled = new Map<string, Template>();

/**
 * The conversation as text, rendered with the tokenizer's chat template.
 *
 * @example
 * renderChatTemplate(llama3Tok, [{ role: 'user', content: 'Hi' }])
 * // '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'
 */
export function renderChatTemplate(tokenizer: Tokenizer, messages: readonly TemplateMessage[], options: ChatTemplateOptions = {}): string {
  const source = tokenizer.chatTemplate;
  if (source === undefined) {
    throw new ChatFormatError(`${tokenizer.source} has no chat_template (tokenizer_config.json); pass a plain text prompt, or build the prompt yourself`);
  }
  if (!messages.length) throw new ChatFormatError('the conversation has no messages');
  messages.forEach((m, i) => {
    if (typeof m.role !== 'string' || typeof m.content !== 'string') throw new ChatFormatError(`message ${i}: role and content must be strings`);
  });
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (e) {
      throw new ChatFormatError(`${tokenizer.source}: its chat_template does not parse (${(e as Error).message})`);
    }
    compiled.set(source, template);
  }
  try {
    return template.render({
      ...tokenizer.specialTokens,
      ...options.variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt ?? true,
    });
  } catch (e) {
    throw new ChatFormatError(`${tokenizer.source}: its chat_template refused the conversation: ${(e as Error).message}`);
  }
}

/**
 * The conversation as token ids: the rendered template, encoded without adding a BOS (the
 * template writes its own where the model expects one).
 *
 * @example encodeChatTemplate(qwenTok, [{ role: 'user', content: 'Hello' }])
 */
export function encodeChatTemplate(tokenizer: Tokenizer, messages: readonly TemplateMessage[], options: ChatTemplateOptions = {}): number[] {
  return tokenizer.encode(renderChatTemplate(tokenizer, messages, options), { addBos: false });
}
