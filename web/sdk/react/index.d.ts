// react/index.d.ts — types of the React bindings (see index.js).
import type { ClientOptions, Client } from '../index.js';
import type { CSSProperties, ReactElement } from 'react';

export type InquiryProps = ClientOptions & { className?: string; style?: CSSProperties };

/** The inline flow. Changing a callback prop keeps the flow; changing another option reloads it. */
export function Inquiry(props: InquiryProps): ReactElement;

export interface VerityModal {
  client: Client | null;
  isOpen: boolean;
  isLoading: boolean;
  open(): void;
  cancel(force?: boolean): void;
}

/** The modal flow as a hook. */
export function useVerityClient(options: ClientOptions): VerityModal;
